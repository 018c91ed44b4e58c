import { MappingContext, schemaViolation } from '../mapping-context.util';
import { AppRecInfo, Party } from '../model/parsed-message.model';
import { readHcpParty } from '../parties/party.reader';
import { isUuid } from '../values/value-normalization.util';
import { XmlElement } from '../xml/xml-element.model';
import { attr, child, childText, childV, children, text } from '../xml/xml-navigation.util';

/** An AppRec as read: its own header, the parties and the receipt itself. */
export interface AppRecReadResult {
  msgId: string;
  msgType: string;
  genDate: string;
  /** The party that received the original message (it sends the receipt). */
  sender: Party;
  /** The party that sent the original message. */
  receiver: Party;
  appRec: AppRecInfo;
}

/**
 * Reads an AppRec 1.0 / 1.1 (guide §4): MsgType, GenDate (text), Id, Sender/Receiver HCP, Status (8258),
 * Error* (CV: V code, DN text, OT detail) and OriginalMsgId (MsgType, IssueDate, Id).
 *
 * Lenient where a receipt is still usable: the receipt's own Id need not be a UUID (the Helfo/NPR example
 * uses 32 hex digits), and missing parties only warn: an AppRec is never answered with an AppRec.
 * Without Status or OriginalMsgId/Id it cannot be correlated, which is a SCHEMA_VIOLATION.
 */
export function readAppRec(root: XmlElement, ns: string, ctx: MappingContext): AppRecReadResult {
  const msgType = childV(root, ns, 'MsgType') ?? 'APPREC';
  const genDate = childText(root, ns, 'GenDate');
  const id = childText(root, ns, 'Id');
  ctx.partial.msgType = msgType;
  if (genDate !== undefined) ctx.partial.genDate = genDate;
  if (id !== undefined) ctx.partial.msgId = id.slice(0, 100);

  if (id === undefined) schemaViolation('AppRec/Id is missing');
  if (!isUuid(id)) ctx.warn('AppRec/Id is not a UUID');
  if (genDate === undefined) schemaViolation('AppRec/GenDate is missing');

  const status = childV(root, ns, 'Status');
  if (status === undefined) schemaViolation('AppRec/Status is missing');
  const original = child(root, ns, 'OriginalMsgId');
  const originalMsgId = childText(original, ns, 'Id');
  if (originalMsgId === undefined) schemaViolation('AppRec/OriginalMsgId/Id is missing');

  const appRec: AppRecInfo = { status, originalMsgId, errors: [] };
  const originalMsgType = childV(original, ns, 'MsgType');
  if (originalMsgType !== undefined) appRec.originalMsgType = originalMsgType;
  for (const error of children(root, ns, 'Error')) {
    const code = attr(error, 'V');
    if (code === undefined) {
      ctx.warn('AppRec/Error without code ignored');
      continue;
    }
    const entry: AppRecInfo['errors'][number] = { code };
    const errorText = attr(error, 'DN') ?? text(error);
    const detail = attr(error, 'OT');
    if (errorText !== undefined) entry.text = errorText;
    if (detail !== undefined) entry.detail = detail;
    appRec.errors.push(entry);
  }
  if ((status === '2' || status === '3') && appRec.errors.length === 0) ctx.warn(`AppRec status ${status} without Error`);

  const sender = readHcpParty(child(child(root, ns, 'Sender'), ns, 'HCP'), ns, childV(child(root, ns, 'Sender'), ns, 'Role'));
  const receiver = readHcpParty(child(child(root, ns, 'Receiver'), ns, 'HCP'), ns, childV(child(root, ns, 'Receiver'), ns, 'Role'));
  if (sender.organisation.length === 0 && sender.healthcareProfessional === undefined) ctx.warn('AppRec/Sender has no HCP');

  return { msgId: id, msgType, genDate, sender, receiver, appRec };
}
