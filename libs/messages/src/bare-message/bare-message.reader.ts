import { MappingContext, schemaViolation } from '../mapping-context.util';
import { MessageException, MessageExceptionCode } from '../message.exception';
import { Party } from '../model/parsed-message.model';
import { msgIdProblem } from '../identifiers/msg-id.util';
import { lookup } from '../values/value-normalization.util';
import { XmlElement } from '../xml/xml-element.model';
import { attr, child, childText, childV, timeValue } from '../xml/xml-navigation.util';

/** Header of a bare `Message` (Epikrise 1.x, Henvisning 1.x): no MsgHead around it. */
export interface BareMessageHeader {
  msgId: string;
  msgType: string;
  genDate: string;
  processingStatus?: string;
}

/** Old versions use single letters for Message/Type (HISD 1209:2018). */
const LETTER_TYPES: Readonly<Record<string, string>> = { E: 'EPIKRISE', H: 'HENVISNING' };

/**
 * Reads Message/Type, GenDate (TS, value in @V), MsgId and Status. `defaultType` covers Epikrise 1.0,
 * where Type is optional. Same check order as MsgHead so the most specific AppRec code wins.
 */
export function readBareMessageHeader(root: XmlElement, ns: string, defaultType: string, ctx: MappingContext): BareMessageHeader {
  const rawType = childV(root, ns, 'Type');
  const msgType = rawType === undefined ? defaultType : rawType.length === 1 ? (lookup(LETTER_TYPES, rawType.toUpperCase()) ?? rawType) : rawType;
  const genDate = timeValue(child(root, ns, 'GenDate'));
  const msgId = childText(root, ns, 'MsgId');
  ctx.partial.msgType = msgType;
  if (genDate !== undefined) ctx.partial.genDate = genDate;
  if (msgId !== undefined) ctx.partial.msgId = msgId.length > 100 ? `${msgId.slice(0, 100)}…` : msgId;

  const problem = msgIdProblem(msgId);
  if (problem !== undefined || msgId === undefined) throw new MessageException(MessageExceptionCode.INVALID_MSG_ID, `Message/MsgId ${problem}`);
  if (genDate === undefined) schemaViolation('Message/GenDate is missing');
  if (msgType !== defaultType) ctx.warn(`Message/Type '${msgType.slice(0, 40)}' is unusual for this namespace`);

  const header: BareMessageHeader = { msgId, msgType, genDate };
  const status = attr(child(root, ns, 'Status'), 'V');
  if (status !== undefined) header.processingStatus = status;
  return header;
}

/**
 * Bare messages identify a party by an institution or a person; either is enough to answer it.
 */
export function hasAnyIdentifier(party: Party): boolean {
  return (
    party.organisation.some((level) => (level.identifiers?.length ?? 0) > 0) ||
    (party.healthcareProfessional?.identifiers?.length ?? 0) > 0
  );
}

/** SENDER_MISSING unless the sending party carries an identifier. */
export function requireSender(party: Party, where: string): void {
  if (!hasAnyIdentifier(party)) {
    throw new MessageException(MessageExceptionCode.SENDER_MISSING, `${where} has no institution or person with an identifier`);
  }
}
