import {
  DIALOG_NS,
  HENDELSE_TEXT,
  HENVISNING_NS,
  IPLOS_SERVICES,
  LOG_SUBTYPE,
  MSG_TYPE_TEXT,
  NS,
  OID,
  PLO_PAYLOADS,
  PO_NS_20,
  STATUS_TEXT,
  type DialogKind,
  type PloKind,
} from './message-builder.constant';
import type { BuildMessageOptions, DiagnosisSpec, EventSpec, ServiceNeedSpec, ServiceSpec } from './message-builder.model';
import { cs, cv, el, leaf, type XmlChild, type XmlElement } from './xml-writer.util';

/** Options after defaults were applied (see build-message.util.ts). */
export type ResolvedOptions = BuildMessageOptions &
  Required<Pick<BuildMessageOptions, 'status' | 'msgId' | 'genDate' | 'documentId' | 'responsible'>>;

export function unsupported(what: string): never {
  throw new Error(`Message builder: ${what}`);
}

export function diagnosisCv(name: string, d: DiagnosisSpec): XmlElement {
  return cv(name, d.code, d.system === 'ICD10' ? OID.icd10 : OID.icpc2, d.text);
}

function iplosText(code: string | undefined, text: string | undefined): string | undefined {
  return text ?? IPLOS_SERVICES.find((s) => s.code === code)?.text;
}

function datePart(dateTime: string): string {
  return dateTime.slice(0, 10);
}

/** PLO 2.0 TidspunktForHendelse is xs:dateTime element text; 1.x accepts any kith:TS. */
function asDateTime(time: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(time) ? `${time}T00:00:00` : time;
}

// ---------------------------------------------------------------- PLO

type PloVersion = '1.5' | '1.6' | '2.0';

/** An fk1:HealthcareProfessional-typed element (children in the fk1 namespace). */
function fk1Professional(o: ResolvedOptions, name: string, prefix: string): XmlElement {
  const r = o.responsible;
  const typeText: Record<string, string> = { SP: 'Sykepleier', LE: 'Lege', HP: 'Helsefagarbeider', FT: 'Fysioterapeut', TL: 'Tannlege' };
  const type = r.type ?? 'SP';
  return el(
    `${prefix}${name}`,
    null,
    cs('fk1:TypeHealthcareProfessional', type, typeText[type]),
    leaf('fk1:FamilyName', r.familyName),
    leaf('fk1:GivenName', r.givenName),
    el('fk1:Ident', null, leaf('fk1:Id', r.hprNumber), cv('fk1:TypeId', 'HPR', OID.idTypePerson, 'HPR-nummer')),
  );
}

function ansvarForRapport(o: ResolvedOptions, prefix = ''): XmlElement {
  return el(
    `${prefix}AnsvarForRapport`,
    null,
    fk1Professional(o, 'AnsvarligRapport', prefix),
    leaf(`${prefix}GodkjentDato`, datePart(o.genDate)),
    leaf(`${prefix}Merknad`, o.note),
  );
}

function eksisterendeTjeneste(s: ServiceSpec, version: PloVersion): XmlElement {
  const text = iplosText(s.iplosCode, s.iplosText);
  // 2.0 made BetegnelseTjeneste mandatory; fall back to the IPLOS text as the profile suggests.
  const description = version === '2.0' ? (s.description ?? text ?? unsupported('PLO 2.0 service needs description or IPLOS code')) : s.description;
  return el(
    'EksisterendeTjeneste',
    null,
    s.iplosCode !== undefined && cv('IPLOStjenestetype', s.iplosCode, OID.iplos, text),
    leaf('BetegnelseTjeneste', description),
    leaf('PrivatTjeneste', s.privateService ?? false),
    leaf('TjenestenLevertAv', s.providedBy),
    leaf('AntallEnheter', s.amount),
    leaf('Enhet', s.unit),
    leaf('Startdato', s.startDate),
    leaf('Sluttdato', s.endDate),
    version !== '2.0' && leaf('Merknad', s.note),
  );
}

function tjenesteBehov(s: ServiceNeedSpec): XmlElement {
  return el(
    'TjenesteBehov',
    null,
    s.iplosCode !== undefined && cv('IPLOStjenestetype', s.iplosCode, OID.iplos, iplosText(s.iplosCode, s.iplosText)),
    leaf('BetegnelseTjeneste', s.description),
    leaf('VedInstitusjon', s.atInstitution),
    leaf('AntallEnheterOnsket', s.amountRequested),
    leaf('Enhet', s.unit),
  );
}

function medisinskDiagnose(d: DiagnosisSpec, version: PloVersion): XmlElement {
  // Hoveddiagnose is 1..1 in 1.5 and 0..1 later; later versions write it only when the sender knows.
  const main = version === '1.5' ? (d.isMain ?? false) : d.isMain;
  return el('MedisinskDiagnose', null, leaf('Hoveddiagnose', main), diagnosisCv('Diagnosekode', d), leaf('DiagnoseBeskrivelse', d.description));
}

function infoMedisinskDiagnose(diagnoses: DiagnosisSpec[], version: PloVersion): XmlElement | undefined {
  if (diagnoses.length === 0) return undefined;
  return el('InfoMedisinskDiagnose', null, diagnoses.map((d) => medisinskDiagnose(d, version)));
}

function tidsfestetHendelse(e: EventSpec, version: PloVersion): XmlElement {
  return el(
    'TidsfestetHendelse',
    null,
    cv('Hendelsekode', e.code, OID.hendelsekode, HENDELSE_TEXT[e.code]),
    leaf('BeskrivelseAvHendelse', e.description),
    version === '2.0' ? leaf('TidspunktForHendelse', asDateTime(e.time)) : el('TidspunktForHendelse', { V: e.time }),
    leaf('Anslag', e.estimated ?? false),
    leaf('Merknad', e.note),
  );
}

function typeInnhold(v: string, s: string, dn: string): XmlElement {
  return el('TypeInnholdIMelding', null, cv('TypeInnhold', v, s, dn));
}

function defaultLogEvents(kind: PloKind, genDate: string): EventSpec[] {
  const day = datePart(genDate);
  switch (kind) {
    case 'LOG_INNLAGT':
      return [{ code: '1', time: `${day}T08:30:00` }];
    case 'LOG_UTSKRIVNINGSKLAR':
      return [{ code: '1', time: `${day}T08:30:00` }, { code: '3', time: day, estimated: true }];
    case 'LOG_AVMELDING':
      return [{ code: '1', time: `${day}T08:30:00` }, { code: '3', time: day }, { code: '4', time: `${day}T09:00:00` }];
    case 'LOG_UTSKREVET':
      return [{ code: '2', time: `${day}T11:00:00` }];
    case 'LOG_DOD':
      return [{ code: '13', time: `${day}T04:10:00` }];
    default:
      return [];
  }
}

const SINGLE_EVENT_LOG = new Set<PloKind>(['LOG_INNLAGT', 'LOG_UTSKREVET', 'LOG_DOD']);

/** The PLO payload root element for a 1.5 / 1.6 / 2.0 message. */
export function ploPayload(kind: PloKind, version: PloVersion, o: ResolvedOptions): XmlElement {
  const def = PLO_PAYLOADS[kind][version] ?? unsupported(`${kind} has no PLO ${version} schema`);
  const services = o.services ?? [];
  const needs = o.serviceNeeds ?? [];
  const diagnoses = o.diagnoses ?? [];
  const events = o.events ?? defaultLogEvents(kind, o.genDate);
  const isLog = kind.startsWith('LOG_');
  const v20 = version === '2.0';

  if (diagnoses.length > 0 && (isLog || kind === 'ORIENTERING_TJENESTETILBUD')) unsupported(`${kind} carries no diagnoses`);
  if (services.length > 0 && !['ORIENTERING_TJENESTETILBUD', 'INNLEGGELSESRAPPORT', 'HELSEOPPL_SOKNAD'].includes(kind)) {
    unsupported(`${kind} carries no EksisterendeTjeneste`);
  }
  if (services.length > 0 && kind === 'HELSEOPPL_SOKNAD' && !v20) unsupported('HELSEOPPL_SOKNAD 1.x carries no EksisterendeTjeneste');
  if (v20 && services.length > 1) unsupported('PLO 2.0 allows at most one EksisterendeTjeneste');
  if (needs.length > 0 && (v20 || !['UTSKRIVNINGSRAPPORT', 'MEDISINSKE_OPPLYSNINGER', 'HELSEOPPL_SOKNAD'].includes(kind))) {
    unsupported(`${kind} ${version} carries no TjenesteBehov`);
  }
  if (isLog && SINGLE_EVENT_LOG.has(kind) && events.length !== 1) unsupported(`${kind} takes exactly one event`);
  if (isLog && events.length === 0) unsupported(`${kind} needs at least one event`);

  const informasjon = el(
    'InformasjonOmForsendelsen',
    null,
    cs('Forsendelsesstatus', o.status, STATUS_TEXT[o.status]),
  );
  const admin: XmlChild[] = [informasjon, ansvarForRapport(o)];

  let body: XmlChild[];
  switch (kind) {
    case 'ORIENTERING_TJENESTETILBUD':
      if (services.length === 0) unsupported('ORIENTERING_TJENESTETILBUD needs at least one service');
      body = services.map((s) => eksisterendeTjeneste(s, version));
      break;
    case 'INNLEGGELSESRAPPORT':
      body = [infoMedisinskDiagnose(diagnoses, version), services.map((s) => eksisterendeTjeneste(s, version))];
      break;
    case 'UTSKRIVNINGSRAPPORT':
      body = [
        typeInnhold('11', OID.typeInnholdUtskrivning, 'Utskrivningsrapport'),
        (o.events ?? []).map((e) => el('OpplysningOpphold', null, tidsfestetHendelse(e, version))),
        infoMedisinskDiagnose(diagnoses, version),
        needs.map(tjenesteBehov),
      ];
      break;
    case 'HELSEOPPLYSNINGER_LEGE':
      body = [
        el('InnholdKonsultasjon', null, cs('TypeInnholdKonsultasjon', '3', 'Ønske om legevurdering')),
        infoMedisinskDiagnose(diagnoses, version),
      ];
      break;
    case 'MEDISINSKE_OPPLYSNINGER': {
      const dated = diagnoses.filter((d) => d.startDate !== undefined);
      const undated = diagnoses.filter((d) => d.startDate === undefined);
      body = [
        typeInnhold('1', OID.typeInnholdMedOppl, 'Rapport etter konsultasjon'),
        infoMedisinskDiagnose(undated, version),
        dated.length > 0 &&
          el(
            'InfoIPLOSrelevantInformasjon',
            null,
            dated.map((d) =>
              el('TidsperiodeDiagnose', null, leaf('StartdatoDiagnose', d.startDate), leaf('SluttdatoDiagnose', d.endDate), medisinskDiagnose(d, version)),
            ),
          ),
        needs.map(tjenesteBehov),
      ];
      break;
    }
    case 'HELSEOPPL_SOKNAD':
      if (version === '1.5') {
        body = [el('OpplysningerTilSoknad', null, leaf('EgensoknadSendt', false)), infoMedisinskDiagnose(diagnoses, version), needs.map(tjenesteBehov)];
      } else if (version === '1.6') {
        const stay = o.events ?? [{ code: '1' as const, time: `${datePart(o.genDate)}T08:30:00` }];
        if (stay.length === 0) unsupported('HELSEOPPL_SOKNAD 1.6 needs at least one OpplysningOpphold event');
        body = [
          typeInnhold(o.status === 'N' ? '1' : '2', OID.typeInnholdHelseoppl, o.status === 'N' ? 'Varsel om innlagt pasient' : 'Oppdaterte opplysninger'),
          stay.map((e) => el('OpplysningOpphold', null, tidsfestetHendelse(e, version))),
          infoMedisinskDiagnose(diagnoses, version),
          needs.map(tjenesteBehov),
        ];
      } else {
        body = [infoMedisinskDiagnose(diagnoses, version), services.map((s) => eksisterendeTjeneste(s, version))];
      }
      break;
    default: {
      const subtype = LOG_SUBTYPE[kind];
      const discharged = o.dischargedTo ?? { code: '1', text: 'Bosted/arbeidssted' };
      body = [
        el(
          `pl:${subtype}`,
          null,
          kind === 'LOG_UTSKREVET' &&
            el('UtskrevetTil', null, cv('Uttilstand', '1', OID.uttilstand, 'Utskrevet som levende'), cv('UtTil', discharged.code, OID.utTil, discharged.text)),
          events.map((e) => tidsfestetHendelse(e, version)),
        ),
      ];
    }
  }

  const nsAttrs = { 'xmlns:pl': def.namespace, xmlns: def.poNamespace, 'xmlns:fk1': NS.fk1 };
  if (!v20) return el(`pl:${def.root}`, nsAttrs, admin, body);
  // 2.0 moved the administrative blocks into FellesAdministrativeOpplysninger; only the
  // non-logistics roots start with TypeInnholdIMelding.
  const felles = el('FellesAdministrativeOpplysninger', null, admin);
  const leading = isLog ? undefined : typeInnhold(o.status === 'N' ? '1' : '2', OID.typeInnholdHelseoppl, o.status === 'N' ? 'Varsel om innlagt pasient' : 'Oppdaterte opplysninger');
  return el(`pl:${def.root}`, nsAttrs, leading, felles, body);
}

// ---------------------------------------------------------------- Henvisning 2.0

/** The `Henvisning` payload (2017-11-30) carried in MsgHead. */
export function henvisning20Payload(o: ResolvedOptions): XmlElement {
  const diagnoses = o.diagnoses ?? [];
  return el(
    'Henvisning',
    { xmlns: HENVISNING_NS['2.0'], 'xmlns:po': PO_NS_20, 'xmlns:fk1': NS.fk1 },
    cs('ServType', o.status, STATUS_TEXT[o.status]),
    leaf('IssueDate', o.genDate),
    leaf('DocumentId', o.documentId),
    el(
      'po:AnsvarForRapport',
      null,
      fk1Professional({ ...o, responsible: { ...o.responsible, type: o.responsible.type ?? 'LE' } }, 'AnsvarligRapport', 'po:'),
      cv('po:TypeRelasjon', 'HHE', OID.typeRelasjon, 'Henvisende helsepersonell'),
    ),
    el('po:TypeInnholdIMelding', null, cv('po:TypeInnhold', '10', OID.typeInnholdHenvisning, 'Utredning/behandling')),
    o.note !== undefined &&
      el('ReasonAsText', null, cv('Heading', 'PROB', OID.henvisningHeading, 'Aktuell problemstilling'), leaf('TextResultValue', o.note)),
    diagnoses.map((d) => el('Diagnosis', null, diagnosisCv('Concept', d))),
    el('ReqServ', null, cs('ServType', o.status, STATUS_TEXT[o.status]), cs('Priority', 'N', 'Elektiv/Ordinær (elektiv)')),
  );
}

// ---------------------------------------------------------------- Dialogmelding

/** The `Dialogmelding` payload (1.0 2006-10-11 or 1.1 2013-01-23). */
export function dialogPayload(kind: DialogKind, version: '1.0' | '1.1', o: ResolvedOptions): XmlElement {
  const r = o.responsible;
  const roller = el(
    'RollerRelatertNotat',
    null,
    el(
      'HealthcareProfessional',
      null,
      cs('TypeHealthcareProfessional', r.type ?? 'LE', r.type === 'SP' ? 'Sykepleier' : 'Lege'),
      leaf('FamilyName', r.familyName),
      leaf('GivenName', r.givenName),
      el('Ident', null, leaf('fk1:Id', r.hprNumber), cv('fk1:TypeId', 'HPR', OID.idTypePerson, 'HPR-nummer')),
    ),
  );
  const text = o.note ?? 'Ber om oppdatert legemiddelliste og vurdering av behov for hjemmesykepleie.';
  let content: XmlElement;
  if (kind === 'DIALOG_FORESPORSEL') {
    content = el(
      'Foresporsel',
      null,
      cv('TypeForesp', '1', OID.foresporselType, 'Forespørsel om pasient'),
      leaf('Sporsmal', text),
      leaf('DokIdForesp', o.documentId),
      roller,
    );
  } else {
    const tema =
      kind === 'DIALOG_STATUS_HENVISNING'
        ? cv('TemaKodet', '1', OID.statusHenvisning, 'Pasienten innkalles')
        : cv('TemaKodet', '6', OID.dialogTema, 'Henvendelse om pasient');
    content = el(
      'Notat',
      null,
      tema,
      leaf('Tema', MSG_TYPE_TEXT[kind]),
      leaf('TekstNotatInnhold', text),
      leaf('DokIdNotat', o.documentId),
      leaf('DatoNotat', datePart(o.genDate)),
      roller,
    );
  }
  return el('Dialogmelding', { xmlns: DIALOG_NS[version], 'xmlns:fk1': NS.fk1 }, content);
}
