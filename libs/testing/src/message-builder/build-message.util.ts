import { randomUUID } from 'node:crypto';
import * as iconv from 'iconv-lite';
import type { HealthcareProfessionalRef, OrganisationLevel, Party } from '@hub/messages';
import {
  DIALOG_KINDS,
  GP_OFFICES,
  HOSPITALS,
  KOMMUNER,
  MSG_TYPE_TEXT,
  NS,
  OID,
  PLO_KINDS,
  PLO_PAYLOADS,
  type DialogKind,
  type MessageKind,
  type MessageVersion,
  type PloKind,
} from './message-builder.constant';
import type { AttachmentSpec, BuildMessageOptions, DiagnosisSpec, PatientSpec, ServiceSpec } from './message-builder.model';
import { epikriseMessage, henvisningMessage } from './bare-message.util';
import { dialogPayload, henvisning20Payload, ploPayload, unsupported, type ResolvedOptions } from './payload.util';
import { fnr } from './identifier.util';
import { cs, cv, el, leaf, renderDocument, type XmlElement } from './xml-writer.util';

/** One (kind, version) pair the builder can produce. */
export interface SupportedMessage {
  kind: MessageKind;
  version: MessageVersion;
  /** Whether the document is MsgHead-wrapped (else a bare `Message`). */
  msgHead: boolean;
}

const DIALOG_11_ONLY = new Set<DialogKind>(['DIALOG_HELSEFAGLIG', 'DIALOG_STATUS_HENVISNING']);

/** Every (kind, version) combination {@link buildMessage} supports; tests iterate over this. */
export const SUPPORTED_MESSAGES: readonly SupportedMessage[] = [
  ...PLO_KINDS.flatMap((kind) =>
    (Object.keys(PLO_PAYLOADS[kind]) as MessageVersion[]).map((version) => ({ kind, version, msgHead: true })),
  ),
  ...(['1.0', '1.1', '1.2'] as const).map((version) => ({ kind: 'EPIKRISE' as const, version, msgHead: false })),
  ...(['1.0', '1.1'] as const).map((version) => ({ kind: 'HENVISNING' as const, version, msgHead: false })),
  { kind: 'HENVISNING', version: '2.0', msgHead: true },
  { kind: 'HENVISNING_NYTILSTAND', version: '2.0', msgHead: true },
  { kind: 'HENVISNING_VIDERE', version: '2.0', msgHead: true },
  ...DIALOG_KINDS.flatMap((kind) =>
    (DIALOG_11_ONLY.has(kind) ? (['1.1'] as const) : (['1.0', '1.1'] as const)).map((version) => ({ kind, version, msgHead: true })),
  ),
];

function isPloKind(kind: MessageKind): kind is PloKind {
  return (PLO_KINDS as readonly string[]).includes(kind);
}

function isDialogKind(kind: MessageKind): kind is DialogKind {
  return (DIALOG_KINDS as readonly string[]).includes(kind);
}

/** The support-table entry for a pair, or an error naming the pair (no message content involved). */
export function supportedMessage(kind: MessageKind, version: MessageVersion): SupportedMessage {
  return SUPPORTED_MESSAGES.find((m) => m.kind === kind && m.version === version) ?? unsupported(`${kind} ${version} is not supported`);
}

// ---------------------------------------------------------------- default parties

const kommune = KOMMUNER[0];
const gp = GP_OFFICES[0];
const hospital = HOSPITALS[0];

export const DEFAULT_PARTIES = {
  kommune: {
    organisation: [
      { name: kommune.name, herId: kommune.herId },
      { name: 'Hjemmesykepleien', herId: kommune.serviceHerIds[0] },
    ],
  } satisfies Party,
  gp: {
    organisation: [{ name: gp.name, herId: gp.herId }],
    healthcareProfessional: { name: 'August September', herId: '91100' },
  } satisfies Party,
  hospital: {
    organisation: [
      { name: hospital.name, herId: hospital.herId },
      { name: hospital.departments[0].name, herId: hospital.departments[0].herId },
    ],
  } satisfies Party,
};

/** Which side the message normally travels (domain guide §1.5), for default sender/receiver. */
function defaultDirection(kind: MessageKind): [Party, Party] {
  switch (kind) {
    case 'ORIENTERING_TJENESTETILBUD':
    case 'HELSEOPPLYSNINGER_LEGE':
      return [DEFAULT_PARTIES.kommune, DEFAULT_PARTIES.gp];
    case 'INNLEGGELSESRAPPORT':
      return [DEFAULT_PARTIES.kommune, DEFAULT_PARTIES.hospital];
    case 'MEDISINSKE_OPPLYSNINGER':
      return [DEFAULT_PARTIES.gp, DEFAULT_PARTIES.kommune];
    case 'EPIKRISE':
      return [DEFAULT_PARTIES.hospital, DEFAULT_PARTIES.gp];
    case 'HENVISNING':
    case 'HENVISNING_NYTILSTAND':
    case 'HENVISNING_VIDERE':
      return [DEFAULT_PARTIES.gp, DEFAULT_PARTIES.hospital];
    default:
      return isDialogKind(kind) ? [DEFAULT_PARTIES.kommune, DEFAULT_PARTIES.gp] : [DEFAULT_PARTIES.hospital, DEFAULT_PARTIES.kommune];
  }
}

export const DEFAULT_PATIENT: PatientSpec = {
  familyName: 'Danser',
  givenName: 'Line',
  birthDate: '1969-11-13',
  sex: '2',
  fnr: fnr('1969-11-13', 2),
  address: { street: 'Flåklypa 31', postalCode: '2560', city: 'Alvdal' },
};

/** Used when a message type needs services and the test did not ask for any. */
export const DEFAULT_SERVICES: ServiceSpec[] = [
  { iplosCode: '15', description: 'Hjemmesykepleie, medisinhåndtering', amount: '2', unit: 'timer hver uke', startDate: '2023-09-01' },
  { iplosCode: '6', amount: '1', unit: 'stk', startDate: '2022-01-15' },
];

/** Used for the message types whose main content is a diagnosis, when the test gave none. */
export const DEFAULT_DIAGNOSES: DiagnosisSpec[] = [{ system: 'ICD10', code: 'I509', text: 'Hjertesvikt, uspesifisert', isMain: true }];

const NEEDS_DIAGNOSIS = new Set<MessageKind>(['EPIKRISE', 'HENVISNING', 'HENVISNING_NYTILSTAND', 'HENVISNING_VIDERE', 'UTSKRIVNINGSRAPPORT', 'MEDISINSKE_OPPLYSNINGER']);

// ---------------------------------------------------------------- MsgHead

function orgIdents(level: OrganisationLevel): XmlElement[] {
  const idents: XmlElement[] = [];
  if (level.herId !== undefined) {
    idents.push(el('Ident', null, leaf('Id', level.herId), cv('TypeId', 'HER', OID.idTypeOrg, 'HER-id')));
  }
  if (level.orgNumber !== undefined) {
    idents.push(el('Ident', null, leaf('Id', level.orgNumber), cv('TypeId', 'ENH', OID.idTypeOrg, 'Organisasjonsnummer i Enhetsregisteret')));
  }
  if (idents.length === 0) unsupported('every MsgHead organisation level needs herId or orgNumber');
  return idents;
}

function splitName(name: string | undefined): { given?: string; family?: string } {
  if (!name) return {};
  const parts = name.trim().split(/\s+/);
  return parts.length === 1 ? { family: parts[0] } : { given: parts.slice(0, -1).join(' '), family: parts[parts.length - 1] };
}

function mhHealthcareProfessional(hcp: HealthcareProfessionalRef): XmlElement {
  const { given, family } = splitName(hcp.name);
  const idents: XmlElement[] = [];
  if (hcp.herId !== undefined) idents.push(el('Ident', null, leaf('Id', hcp.herId), cv('TypeId', 'HER', OID.idTypePerson, 'HER-id')));
  if (hcp.hprNumber !== undefined) idents.push(el('Ident', null, leaf('Id', hcp.hprNumber), cv('TypeId', 'HPR', OID.idTypePerson, 'HPR-nummer')));
  if (idents.length === 0) unsupported('a MsgHead HealthcareProfessional needs herId or hprNumber');
  return el('HealthcareProfessional', null, leaf('FamilyName', family), leaf('GivenName', given), idents);
}

/** Organisation levels nest outermost first; the professional hangs on the innermost level. */
function mhOrganisation(party: Party, index = 0): XmlElement {
  const level = party.organisation[index] ?? unsupported('a MsgHead party needs at least one organisation level');
  const isLast = index === party.organisation.length - 1;
  return el(
    'Organisation',
    null,
    leaf('OrganisationName', level.name ?? unsupported('every MsgHead organisation level needs a name')),
    orgIdents(level),
    !isLast && mhOrganisation(party, index + 1),
    isLast && party.healthcareProfessional && mhHealthcareProfessional(party.healthcareProfessional),
  );
}

const PATIENT_ID_TEXT: Record<string, string> = { FNR: 'Fødselsnummer', DNR: 'D-nummer', HNR: 'H-nummer', FHN: 'Felles hjelpenummer' };

function mhPatient(p: PatientSpec): XmlElement {
  const candidates: Array<[string, string | undefined]> = [['FNR', p.fnr], ['DNR', p.dnr], ['HNR', p.hnr], ['FHN', p.fhn]];
  const ids = candidates.filter((entry): entry is [string, string] => entry[1] !== undefined);
  return el(
    'Patient',
    null,
    leaf('FamilyName', p.familyName),
    leaf('MiddleName', p.middleName),
    leaf('GivenName', p.givenName),
    leaf('DateOfBirth', p.birthDate),
    p.sex && cs('Sex', p.sex, p.sex === '1' ? 'Mann' : 'Kvinne'),
    ids.map(([type, value]) => el('Ident', null, leaf('Id', value), cv('TypeId', type, OID.idTypePerson, PATIENT_ID_TEXT[type]))),
    p.address &&
      el(
        'Address',
        null,
        cs('Type', 'H', 'Bostedsadresse'),
        leaf('StreetAdr', p.address.street),
        leaf('PostalCode', p.address.postalCode),
        leaf('City', p.address.city),
        p.address.kommunenummer !== undefined && cs('County', p.address.kommunenummer),
      ),
    p.phone !== undefined && el('TeleCom', null, cs('TypeTelecom', 'HP', 'Hovedtelefon'), el('TeleAddress', { V: `tel:${p.phone}` })),
  );
}

/** Deterministic pseudo-PDF bytes of exactly `size` bytes (a real header and trailer, filler in between). */
export function pseudoPdf(size: number): Buffer {
  if (!Number.isInteger(size) || size < 0) unsupported('attachment size must be a non-negative integer');
  const head = Buffer.from('%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstream\n', 'latin1');
  const tail = Buffer.from('\nendstream\n%%EOF\n', 'latin1');
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + 7) & 0xff;
  head.copy(out, 0, 0, Math.min(head.length, size));
  if (size > head.length + tail.length) tail.copy(out, size - tail.length);
  return out;
}

function attachmentDocument(spec: AttachmentSpec, genDate: string): XmlElement {
  const base64 = pseudoPdf(spec.bytes).toString('base64');
  // Senders wrap base64 at 76 characters (MIME style); xs:base64Binary allows the whitespace.
  const wrapped = base64.match(/.{1,76}/g)?.join('\n') ?? '';
  return el(
    'Document',
    null,
    el(
      'RefDoc',
      null,
      el('IssueDate', { V: genDate }),
      cs('MsgType', 'A', 'Vedlegg'),
      leaf('MimeType', spec.mimeType ?? 'application/pdf'),
      leaf('Description', spec.description ?? 'Vedlegg.pdf'),
      el('Content', null, { name: 'Base64Container', attrs: { xmlns: NS.base64 }, rawBlock: wrapped }),
    ),
  );
}

function msgHead(o: ResolvedOptions & { sender: Party; receiver: Party }, msgType: string, payload: XmlElement): XmlElement {
  const conversation = o.refToParent ?? o.refToConversation;
  const attachment = o.attachment ?? (o.attachmentBytes !== undefined ? { bytes: o.attachmentBytes } : undefined);
  return el(
    'MsgHead',
    { xmlns: NS.msgHead },
    el(
      'MsgInfo',
      null,
      cs('Type', msgType, MSG_TYPE_TEXT[o.kind]),
      leaf('MIGversion', 'v1.2 2006-05-24'),
      leaf('GenDate', o.genDate),
      leaf('MsgId', o.msgId),
      o.processingStatus && cs('ProcessingStatus', o.processingStatus, { P: 'Produksjon', D: 'Debugging', T: 'Opplæring' }[o.processingStatus]),
      conversation !== undefined &&
        el('ConversationRef', null, leaf('RefToParent', o.refToParent ?? conversation), leaf('RefToConversation', o.refToConversation ?? conversation)),
      el('Sender', null, mhOrganisation(o.sender)),
      el('Receiver', null, mhOrganisation(o.receiver)),
      (o.copyReceivers ?? []).map((party) => el('OtherReceiver', null, cs('RoleReceiver', 'COP', 'Kopimottaker'), mhOrganisation(party))),
      o.patient && mhPatient(o.patient),
    ),
    el('Document', null, el('RefDoc', null, el('IssueDate', { V: o.genDate }), cs('MsgType', 'XML', 'XML-instans'), el('Content', null, payload))),
    attachment && attachmentDocument(attachment, o.genDate),
  );
}

// ---------------------------------------------------------------- entry points

function resolve(options: BuildMessageOptions): ResolvedOptions & { sender: Party; receiver: Party } {
  const [defaultSender, defaultReceiver] = defaultDirection(options.kind);
  return {
    ...options,
    status: options.status ?? 'N',
    msgId: options.msgId ?? randomUUID(),
    genDate: options.genDate ?? '2024-03-14T10:15:00',
    documentId: options.documentId ?? randomUUID(),
    responsible: options.responsible ?? { givenName: 'Gunn', familyName: 'Omsorg', hprNumber: '9876543', type: 'SP' },
    sender: options.sender ?? defaultSender,
    receiver: options.receiver ?? defaultReceiver,
    patient: 'patient' in options ? options.patient : DEFAULT_PATIENT,
    services: options.services ?? (options.kind === 'ORIENTERING_TJENESTETILBUD' ? DEFAULT_SERVICES : undefined),
    diagnoses: options.diagnoses ?? (NEEDS_DIAGNOSIS.has(options.kind) ? DEFAULT_DIAGNOSES : undefined),
  };
}

/** Builds the XML element tree of a message (before encoding). */
function buildRoot(options: BuildMessageOptions): XmlElement {
  const { kind, version } = options;
  const supported = supportedMessage(kind, version);
  const o = resolve(options);
  const attachmentRequested = o.attachment !== undefined || o.attachmentBytes !== undefined;
  if (!supported.msgHead && attachmentRequested) unsupported('attachments need a MsgHead-wrapped message');
  if (!supported.msgHead && (o.refToParent !== undefined || o.refToConversation !== undefined)) {
    unsupported('bare messages have no ConversationRef');
  }

  if (isPloKind(kind)) return msgHead(o, kind, ploPayload(kind, version as '1.5' | '1.6' | '2.0', o));
  if (isDialogKind(kind)) return msgHead(o, kind, dialogPayload(kind, version as '1.0' | '1.1', o));
  if (kind === 'EPIKRISE') return epikriseMessage(version as '1.0' | '1.1' | '1.2', o);
  if (kind === 'HENVISNING' && version !== '2.0') return henvisningMessage(version as '1.0' | '1.1', o);
  // Henvisning 2.0 travels in MsgHead with one of the 2.0 message types.
  const msgType = kind === 'HENVISNING' ? 'HENVISNING_NYTILSTAND' : kind;
  return msgHead({ ...o, kind: msgType }, msgType, henvisning20Payload(o));
}

/**
 * Builds a realistic, schema-valid e-melding as it would arrive from a gateway: UTF-8 by default,
 * or ISO-8859-1 bytes with a matching XML declaration. Throws (without message content) when the
 * options ask for something the standard cannot carry, e.g. diagnoses in Pasientlogistikk.
 */
export function buildMessage(options: BuildMessageOptions): Buffer {
  const encoding = options.encoding ?? 'UTF-8';
  const text = renderDocument(buildRoot(options), encoding);
  return encoding === 'UTF-8' ? Buffer.from(text, 'utf8') : iconv.encode(text, 'latin1');
}

/** Like {@link buildMessage} but returns the XML text (always with a UTF-8 declaration). */
export function buildMessageXml(options: Omit<BuildMessageOptions, 'encoding'>): string {
  return renderDocument(buildRoot(options), 'UTF-8');
}
