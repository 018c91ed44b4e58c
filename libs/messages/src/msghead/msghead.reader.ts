import { MappingContext, schemaViolation } from '../mapping-context.util';
import { MessageException, MessageExceptionCode } from '../message.exception';
import { Attachment, Party, PatientInfo } from '../model/parsed-message.model';
import { hasOrganisationIdentifier, readMsgHeadParty } from '../parties/party.reader';
import { readMsgHeadPatient } from '../parties/patient.reader';
import { msgIdProblem } from '../identifiers/msg-id.util';
import { NS } from '../xml/namespaces.constant';
import { XmlElement } from '../xml/xml-element.model';
import { child, childText, childV, children, firstChildElement } from '../xml/xml-navigation.util';

/** Everything MsgHead 1.2 says about a message, plus the business payload root (if any). */
export interface MsgHeadEnvelope {
  msgId: string;
  msgType: string;
  genDate: string;
  processingStatus?: string;
  conversationRef?: { refToParent?: string; refToConversation?: string };
  sender: Party;
  receiver: Party;
  otherReceivers: Party[];
  patient?: PatientInfo;
  /** First element of the first Document whose RefDoc/MsgType is XML. */
  payload?: XmlElement;
  attachments: Attachment[];
}

const M = NS.MSGHEAD;

/** Bounds how much of an invalid MsgId we echo into the exception (it is not health data). */
function clip(v: string): string {
  return v.length > 100 ? `${v.slice(0, 100)}…` : v;
}

/**
 * Reads MsgHead/MsgInfo and the Documents. Checks, in this order so the most specific AppRec code wins:
 * MsgInfo present (SCHEMA_VIOLATION), MsgId usable (INVALID_MSG_ID: `msgIdProblem`), Type and GenDate present
 * (SCHEMA_VIOLATION), sender organisation identified (SENDER_MISSING), Receiver present (SCHEMA_VIOLATION).
 */
export function readMsgHead(root: XmlElement, ctx: MappingContext): MsgHeadEnvelope {
  const info = child(root, M, 'MsgInfo');
  if (info === undefined) schemaViolation('MsgHead has no MsgInfo');

  // Fill `partial` before any check so an AppRec can mirror whatever was readable.
  const msgType = childV(info, M, 'Type');
  const genDate = childText(info, M, 'GenDate');
  const msgId = childText(info, M, 'MsgId');
  if (msgType !== undefined) ctx.partial.msgType = msgType;
  if (genDate !== undefined) ctx.partial.genDate = genDate;
  if (msgId !== undefined) ctx.partial.msgId = clip(msgId);

  const problem = msgIdProblem(msgId);
  if (problem !== undefined || msgId === undefined) throw new MessageException(MessageExceptionCode.INVALID_MSG_ID, `MsgInfo/MsgId ${problem}`);
  if (msgType === undefined) schemaViolation('MsgInfo/Type/@V is missing');
  if (genDate === undefined) schemaViolation('MsgInfo/GenDate is missing');

  const sender = readMsgHeadParty(child(info, M, 'Sender'));
  if (!hasOrganisationIdentifier(sender)) {
    throw new MessageException(MessageExceptionCode.SENDER_MISSING, 'MsgInfo/Sender has no organisation with an identifier');
  }
  const receiver = readMsgHeadParty(child(info, M, 'Receiver'), 'PRIMARY');
  if (receiver === undefined) schemaViolation('MsgInfo/Receiver is missing');
  if (!hasOrganisationIdentifier(receiver)) ctx.warn('MsgInfo/Receiver has no organisation identifier');

  const otherReceivers: Party[] = [];
  for (const other of children(info, M, 'OtherReceiver')) {
    const party = readMsgHeadParty(other, childV(other, M, 'RoleReceiver'));
    if (party !== undefined) otherReceivers.push(party);
  }

  const envelope: MsgHeadEnvelope = {
    msgId,
    msgType,
    genDate,
    sender,
    receiver,
    otherReceivers,
    attachments: [],
  };
  const processingStatus = childV(info, M, 'ProcessingStatus');
  if (processingStatus !== undefined) envelope.processingStatus = processingStatus;

  const convRef = child(info, M, 'ConversationRef');
  if (convRef !== undefined) {
    const refToParent = childText(convRef, M, 'RefToParent');
    const refToConversation = childText(convRef, M, 'RefToConversation');
    if (refToParent !== undefined || refToConversation !== undefined) {
      envelope.conversationRef = {};
      if (refToParent !== undefined) envelope.conversationRef.refToParent = refToParent;
      if (refToConversation !== undefined) envelope.conversationRef.refToConversation = refToConversation;
    }
  }

  const patient = readMsgHeadPatient(child(info, M, 'Patient'), ctx.warn);
  if (patient !== undefined) envelope.patient = patient;

  readDocuments(root, envelope, ctx);
  return envelope;
}

function readDocuments(root: XmlElement, envelope: MsgHeadEnvelope, ctx: MappingContext): void {
  const documents = children(root, M, 'Document');
  if (documents.length === 0) ctx.warn('MsgHead has no Document');
  let extraXml = 0;
  for (const doc of documents) {
    const refDoc = child(doc, M, 'RefDoc');
    const kind = childV(refDoc, M, 'MsgType')?.toUpperCase();
    const content = child(refDoc, M, 'Content');
    if (kind === 'XML') {
      // Selected by MsgType=XML, not by position (guide §1.4).
      if (envelope.payload === undefined) envelope.payload = firstChildElement(content);
      else extraXml++;
    } else if (kind === 'A') {
      envelope.attachments.push(readAttachment(refDoc as XmlElement, content));
    }
  }
  if (extraXml > 0) ctx.warn(`${extraXml} additional XML Document(s) ignored; only the first is mapped`);
}

function readAttachment(refDoc: XmlElement, content: XmlElement | undefined): Attachment {
  const attachment: Attachment = {};
  const mimeType = childText(refDoc, M, 'MimeType');
  const description = childText(refDoc, M, 'Description');
  if (mimeType !== undefined) attachment.mimeType = mimeType;
  if (description !== undefined) attachment.description = description;
  const container = child(content, NS.BASE64, 'Base64Container');
  if (container?.base64Size !== undefined) attachment.sizeBytes = container.base64Size;
  return attachment;
}
