import type { HealthcareProfessionalRef, OrganisationLevel, Party, Standard } from '../model/parsed-message.model';
import {
  APPREC_ERROR_OID,
  APPREC_ERROR_TEXT,
  APPREC_MIG_VERSION,
  APPREC_NAMESPACE,
  APPREC_STATUS,
  UNKNOWN_MSG_ID,
  UNKNOWN_MSG_TYPE,
  UNKNOWN_PARTY_NAME,
  type AppRecVersion,
} from './apprec.constant';
import { AppRecException, AppRecExceptionCode } from './apprec.exception';

/** One Error (CV, code list 8221) of a negative AppRec. */
export interface AppRecErrorInput {
  /** 8221 code, e.g. "T01", "E10", "X99". */
  code: string;
  /** Error/@DN; defaults to the standard text of the code. */
  text?: string;
  /** Error/@OT: our own detail, shown to the sender's user. Must not contain health data. */
  detail?: string;
}

/** The hub's own communication party, used as AppRec Sender when the original's receiver is unknown. */
export interface HubIdentity {
  name: string;
  herId: string;
}

/** What is known about the original message; everything may be missing (e.g. not well-formed XML). */
export interface AppRecOriginal {
  /** MsgHead MsgInfo/MsgId or bare Message/MsgId. */
  msgId?: string;
  /** MsgInfo/Type or Message/Type (8279). */
  msgType?: string;
  /** The original GenDate, lexical as sent. */
  genDate?: string;
  sender?: Party;
  receiver?: Party;
}

export interface AppRecBuildInput {
  version: AppRecVersion;
  status: 'OK' | 'REJECTED';
  /** Required (at least one) for REJECTED; must be empty for OK. */
  errors?: AppRecErrorInput[];
  original: AppRecOriginal;
  receipt: {
    /** New UUID of the AppRec itself. */
    id: string;
    /** xs:dateTime of generation. */
    genDate: string;
  };
  /** Whether we answer as primary receiver or as copy receiver (OtherReceiver COP). Default PRIMARY. */
  role?: 'PRIMARY' | 'COPY';
  software: { name: string; version: string };
  hubIdentity?: HubIdentity;
}

const XS_DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
const XS_DATE = /^-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$/;
const ERROR_CODE = /^[A-Z]\d{2}$/;
// eslint-disable-next-line no-control-regex -- the characters XML 1.0 forbids are control characters
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The AppRec version to answer a message with (HITS 1168): 1.1 for PLO 1.6/2.0, Dialogmelding 1.1,
 * Epikrise 1.2 and Henvisning 1.1/2.0; 1.0 for PLO 1.5, Dialogmelding 1.0, Epikrise 1.0/1.1 and
 * Henvisning 1.0. Anything unknown gets 1.1, the current version (used e.g. for T01 on unreadable
 * input). An AppRec itself must never be answered; callers check that before asking.
 */
export function appRecVersionFor(standard: Standard, standardVersion: string): AppRecVersion {
  const v = standardVersion.trim();
  switch (standard) {
    case 'PLO':
      return v === '1.5' ? '1.0' : '1.1';
    case 'DIALOGMELDING':
      return v === '1.0' ? '1.0' : '1.1';
    case 'EPIKRISE':
      return v === '1.0' || v === '1.1' ? '1.0' : '1.1';
    case 'HENVISNING':
      return v === '1.0' ? '1.0' : '1.1';
    default:
      return '1.1';
  }
}

/** XML 1.0 forbids some characters outright; replacing them keeps the receipt well-formed. */
function clean(value: string): string {
  return value.replace(INVALID_XML_CHARS, '\uFFFD');
}

function escapeText(value: string): string {
  return clean(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

function escapeAttr(value: string): string {
  return clean(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

type Attrs = Record<string, string | undefined>;

function attrs(a: Attrs): string {
  return Object.entries(a)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttr(v)}"`)
    .join('');
}

/** Element with text, or '' when the value is absent/empty (empty elements should not be sent, HISD 1165). */
function text(name: string, value: string | undefined, indent: string): string {
  if (value === undefined || value.trim() === '') return '';
  return `${indent}<${name}>${escapeText(value)}</${name}>\n`;
}

function empty(name: string, a: Attrs, indent: string): string {
  return `${indent}<${name}${attrs(a)}/>\n`;
}

function wrap(name: string, inner: string, indent: string): string {
  return `${indent}<${name}>\n${inner}${indent}</${name}>\n`;
}

const nonEmpty = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/** Primary id of an organisation level (HER preferred) and the remaining ids as AdditionalId. */
function levelIds(level: OrganisationLevel): { id?: [string, string, string]; extra: Array<[string, string, string]> } {
  const ids: Array<[string, string, string]> = [];
  if (nonEmpty(level.herId)) ids.push([level.herId.trim(), 'HER', 'HER-id']);
  if (nonEmpty(level.orgNumber)) ids.push([level.orgNumber.trim(), 'ENH', 'Organisasjonsnummer']);
  return { id: ids[0], extra: ids.slice(1) };
}

function additionalIds(extra: Array<[string, string, string]>, indent: string): string {
  return extra
    .map(([id, type, dn]) => wrap('AdditionalId', text('Id', id, `${indent}\t`) + empty('Type', { V: type, DN: dn }, `${indent}\t`), indent))
    .join('');
}

function hcPerson(hcp: HealthcareProfessionalRef, indent: string): string {
  const ids: Array<[string, string, string]> = [];
  if (nonEmpty(hcp.herId)) ids.push([hcp.herId.trim(), 'HER', 'HER-id']);
  if (nonEmpty(hcp.hprNumber)) ids.push([hcp.hprNumber.trim(), 'HPR', 'HPR-nummer']);
  if (!nonEmpty(hcp.name) && ids.length === 0) return '';
  const i = `${indent}\t`;
  const [first, ...extra] = ids;
  const inner =
    text('Name', hcp.name, i) +
    (first ? text('Id', first[0], i) + empty('TypeId', { V: first[1], DN: first[2] }, i) : '') +
    additionalIds(extra, i);
  return wrap('HCPerson', inner, indent);
}

/**
 * HCP/Inst mirroring a MsgHead party: outermost level = Inst, nested levels = Dept, ids beyond the
 * first = AdditionalId, the professional = HCPerson. Without a known organisation, `fallback` is used.
 */
function hcp(party: Party | undefined, fallback: HubIdentity | undefined, indent: string): string {
  const i1 = `${indent}\t`;
  const i2 = `${i1}\t`;
  const levels = (party?.organisation ?? []).filter((l) => nonEmpty(l.name) || nonEmpty(l.herId) || nonEmpty(l.orgNumber));
  let inst: string;
  if (levels.length === 0) {
    inst =
      text('Name', fallback?.name ?? UNKNOWN_PARTY_NAME, i2) +
      (fallback ? text('Id', fallback.herId, i2) + empty('TypeId', { V: 'HER', DN: 'HER-id' }, i2) : '');
  } else {
    const [top, ...nested] = levels;
    const { id, extra } = levelIds(top);
    const depts = nested
      .map((level) => {
        const ids = levelIds(level);
        const i3 = `${i2}\t`;
        return wrap(
          'Dept',
          text('Name', level.name, i3) +
            (ids.id ? text('Id', ids.id[0], i3) + empty('TypeId', { V: ids.id[1], DN: ids.id[2] }, i3) : '') +
            additionalIds(ids.extra, i3),
          i2,
        );
      })
      .join('');
    inst =
      // Name is optional in the XSD, but an Inst without one is useless to the person reading the receipt.
      text('Name', nonEmpty(top.name) ? top.name : UNKNOWN_PARTY_NAME, i2) +
      (id ? text('Id', id[0], i2) + empty('TypeId', { V: id[1], DN: id[2] }, i2) : '') +
      depts +
      additionalIds(extra, i2) +
      (party?.healthcareProfessional ? hcPerson(party.healthcareProfessional, i2) : '');
  }
  return wrap('HCP', wrap('Inst', inst, i1), indent);
}

function requireDateTime(value: string, what: string): string {
  if (!XS_DATE_TIME.test(value.trim())) {
    throw new AppRecException(AppRecExceptionCode.INVALID_DATE_TIME, `${what} must be an xs:dateTime`);
  }
  return value.trim();
}

/** OriginalMsgId/IssueDate must be xs:dateTime; originals may carry a date only or nothing usable. */
function issueDate(original: string | undefined, fallback: string): string {
  const value = original?.trim();
  if (value && XS_DATE_TIME.test(value)) return value;
  if (value && XS_DATE.test(value)) return `${value.slice(0, 10)}T00:00:00${value.slice(10)}`;
  return fallback;
}

/**
 * Builds an AppRec (applikasjonskvittering) 1.0 or 1.1 as an XML string (UTF-8 declaration).
 *
 * The AppRec Sender is the original's receiver and the AppRec Receiver is the original's sender
 * (HIS 80415), with all identifiers mirrored. When parts of the original are unknown (for example
 * T01 on input that is not XML), the receipt is still schema-valid: placeholders are used for the
 * unknown message type and id, the receipt time for the unknown issue date, `hubIdentity` (or
 * "Ukjent") for an unknown receiver.
 *
 * @throws AppRecException when status and errors disagree, or dates/codes are malformed.
 */
export function buildAppRec(input: AppRecBuildInput): string {
  const { version, status, original, receipt, software } = input;
  const errors = input.errors ?? [];
  if (status === 'REJECTED' && errors.length === 0) {
    throw new AppRecException(AppRecExceptionCode.STATUS_ERRORS_MISMATCH, 'A rejected AppRec needs at least one error');
  }
  if (status === 'OK' && errors.length > 0) {
    throw new AppRecException(AppRecExceptionCode.STATUS_ERRORS_MISMATCH, 'A positive AppRec cannot carry errors');
  }
  for (const error of errors) {
    if (!ERROR_CODE.test(error.code)) {
      throw new AppRecException(AppRecExceptionCode.INVALID_ERROR_CODE, 'AppRec error code must be a letter and two digits');
    }
  }
  const genDate = requireDateTime(receipt.genDate, 'AppRec GenDate');
  if (!nonEmpty(receipt.id)) throw new AppRecException(AppRecExceptionCode.MISSING_RECEIPT_ID, 'AppRec Id is required');
  const copy = input.role === 'COPY';
  // AppRec 1.1 uses code list 8112 roles; 1.0's role codes (SPR/REQ/COP) describe referral roles,
  // so only the copy role is stated there.
  const senderRole = version === '1.1' ? (copy ? ['COP', 'Kopimottaker'] : ['PRIM', 'Primærmottaker']) : copy ? ['COP', 'Kopimottaker'] : undefined;
  const receiverRole = version === '1.1' ? ['AVS', 'Avsender'] : undefined;
  const t = '\t';
  const statusCode = APPREC_STATUS[status];

  const body =
    empty('MsgType', { V: 'APPREC', DN: 'Applikasjonskvittering' }, t) +
    text('MIGversion', APPREC_MIG_VERSION[version], t) +
    text('SoftwareName', software.name, t) +
    text('SoftwareVersion', software.version, t) +
    text('GenDate', genDate, t) +
    text('Id', receipt.id, t) +
    wrap('Sender', (senderRole ? empty('Role', { V: senderRole[0], DN: senderRole[1] }, `${t}\t`) : '') + hcp(original.receiver, input.hubIdentity, `${t}\t`), t) +
    wrap('Receiver', (receiverRole ? empty('Role', { V: receiverRole[0], DN: receiverRole[1] }, `${t}\t`) : '') + hcp(original.sender, undefined, `${t}\t`), t) +
    empty('Status', { V: statusCode.V, DN: statusCode.DN }, t) +
    errors
      .map((e) =>
        empty('Error', { V: e.code, S: APPREC_ERROR_OID, DN: nonEmpty(e.text) ? e.text : APPREC_ERROR_TEXT[e.code], OT: nonEmpty(e.detail) ? e.detail : undefined }, t),
      )
      .join('') +
    wrap(
      'OriginalMsgId',
      empty('MsgType', { V: nonEmpty(original.msgType) ? original.msgType.trim() : UNKNOWN_MSG_TYPE }, `${t}\t`) +
        text('IssueDate', issueDate(original.genDate, genDate), `${t}\t`) +
        text('Id', nonEmpty(original.msgId) ? original.msgId.trim() : UNKNOWN_MSG_ID, `${t}\t`),
      t,
    );

  return `<?xml version="1.0" encoding="UTF-8"?>\n<AppRec xmlns="${APPREC_NAMESPACE[version]}">\n${body}</AppRec>\n`;
}
