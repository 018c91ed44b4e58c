/**
 * MsgId rules (MsgHead MsgInfo/MsgId, Epikrise / Henvisning 1.x Message/MsgId).
 *
 * The standards mean a GUID, but older standards and many sender systems use other strings, and
 * the national receiving tests expect those accepted (guide §4.2, E10). A MsgId is refused (E10)
 * only when it is unusable as an identifier: empty, longer than MSG_ID_MAX_LENGTH characters, or
 * containing a control character (C0, DEL, C1, line / paragraph separators).
 *
 * Where it is not a UUID it is only unique per sender, so the hub identifies such a message by
 * the sender's top-level HER-id together with the MsgId (`messageKey` in libs/contracts).
 */
export const MSG_ID_MAX_LENGTH = 200;

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Why a MsgId cannot be used, as a content-free text, or undefined when it can. */
export function msgIdProblem(msgId: string | undefined): string | undefined {
  if (msgId === undefined || msgId.trim() === '') return 'is missing or empty';
  if (msgId.length > MSG_ID_MAX_LENGTH) return `is longer than ${MSG_ID_MAX_LENGTH} characters`;
  if (CONTROL.test(msgId)) return 'contains a control character';
  return undefined;
}


