import { BareMessageResult } from '../bare-message/bare-message.model';
import { readBareMessageHeader, requireSender } from '../bare-message/bare-message.reader';
import { referralDiagnoses } from '../epikrise/epikrise.mapper';
import { MappingContext, PayloadFacts, readDocumentStatus, schemaViolation } from '../mapping-context.util';
import { readHcpParty } from '../parties/party.reader';
import { readBarePatient } from '../parties/patient.reader';
import { XmlElement } from '../xml/xml-element.model';
import { child, childText, childV, children } from '../xml/xml-navigation.util';

/**
 * Maps a bare Henvisning 1.0 / 1.1 `Message` (guide §2.6): status ServReq/ServType, document key
 * ServReq/Id, sender ServReq/Requester, receiver ServReq/ServProvider, copies CopyDest, diagnoses
 * ServReq/Diagnosis/Concept with the first one as main condition.
 */
export function mapHenvisning1(root: XmlElement, ns: string, ctx: MappingContext): BareMessageResult {
  const header = readBareMessageHeader(root, ns, 'HENVISNING', ctx);
  return { header, ...mapHenvisning1Body(root, ns, ctx) };
}

/** The ServReq part of a Henvisning 1.x, without the Message header (also used when wrapped in MsgHead). */
export function mapHenvisning1Body(root: XmlElement, ns: string, ctx: MappingContext): Omit<BareMessageResult, 'header'> {
  const request = child(root, ns, 'ServReq');
  if (request === undefined) schemaViolation('Message/ServReq is missing');

  const sender = readHcpParty(child(child(request, ns, 'Requester'), ns, 'HCP'), ns);
  requireSender(sender, 'ServReq/Requester');
  const receiver = readHcpParty(child(child(request, ns, 'ServProvider'), ns, 'HCP'), ns, 'PRIMARY');
  const otherReceivers = children(request, ns, 'CopyDest').map((copy) => readHcpParty(child(copy, ns, 'HCP'), ns, 'COP'));

  const facts: PayloadFacts = {
    status: readDocumentStatus(childV(request, ns, 'ServType'), 'ServReq/ServType', ctx),
    services: [],
    serviceNeeds: [],
    diagnoses: referralDiagnoses(request, ns, 'HENVISNING'),
    patientEvents: [],
  };
  const documentId = childText(request, ns, 'Id');
  if (documentId !== undefined) facts.explicitDocumentId = documentId;
  else ctx.warn('ServReq/Id is missing; the document key falls back to MsgId');

  const result: Omit<BareMessageResult, 'header'> = { facts, sender, receiver, otherReceivers };
  const patient = readBarePatient(child(request, ns, 'Patient'), ns, ctx.warn);
  if (patient !== undefined) result.patient = patient;
  return result;
}

/**
 * Maps a Henvisning 2.0 payload (root `Henvisning` inside MsgHead): status Henvisning/ServType, document
 * key Henvisning/DocumentId (stable across N/M/C; its ConversationRefs are unreliable, guide §3.2),
 * diagnoses Henvisning/Diagnosis/Concept (+Modifier), first = main.
 */
export function mapHenvisning2(root: XmlElement, ns: string, ctx: MappingContext): PayloadFacts {
  const facts: PayloadFacts = {
    status: readDocumentStatus(childV(root, ns, 'ServType'), 'Henvisning/ServType', ctx),
    services: [],
    serviceNeeds: [],
    diagnoses: referralDiagnoses(root, ns, 'HENVISNING'),
    patientEvents: [],
  };
  const documentId = childText(root, ns, 'DocumentId');
  if (documentId !== undefined) facts.explicitDocumentId = documentId;
  else ctx.warn('Henvisning/DocumentId is missing; the document key falls back to MsgId');
  return facts;
}
