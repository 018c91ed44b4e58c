import { PLO_TYPE_ROOTS } from './plo/plo.mapper';

/**
 * MsgInfo/Type (Message/Type) values the hub knows: code list 8279 as the domain guide lists it
 * (§2.1) and the PLO types of the mapper. Where only a closed set may appear, such as a metric
 * label on /metrics, any other value (it is the sender's free text) becomes `OTHER`.
 */
export const KNOWN_MSG_TYPES: ReadonlySet<string> = new Set([
  ...Object.keys(PLO_TYPE_ROOTS),
  'EPIKRISE',
  'E',
  'HENVISNING',
  'H',
  'HENVISNING_NYTILSTAND',
  'HENVISNING_VIDERE',
  'DIALOG_FORESPORSEL',
  'DIALOG_SVAR',
  'DIALOG_NOTAT',
  'DIALOG_AVVIK',
  'DIALOG_HELSEFAGLIG',
  'DIALOG_STATUS_HENVISNING',
  'DIALOG_TIL_ARKIVERING',
  'APPREC',
]);

/** The message type when it is a known one, `OTHER` for any other text, `UNKNOWN` when there was none. */
export function knownMsgType(msgType: string | undefined): string {
  if (msgType === undefined) return 'UNKNOWN';
  return KNOWN_MSG_TYPES.has(msgType) ? msgType : 'OTHER';
}
