import { BareMessageResult } from '../bare-message/bare-message.model';
import { readBareMessageHeader, requireSender } from '../bare-message/bare-message.reader';
import { diagnosesWithModifiers } from '../diagnoses/diagnosis.util';
import { MappingContext, PayloadFacts, readDocumentStatus, schemaViolation } from '../mapping-context.util';
import { DiagnosisFact, PatientEventFact } from '../model/parsed-message.model';
import { readHcpParty } from '../parties/party.reader';
import { readBarePatient } from '../parties/patient.reader';
import { XmlElement } from '../xml/xml-element.model';
import { child, childText, childV, children, timeValue } from '../xml/xml-navigation.util';

/**
 * Maps a bare Epikrise 1.0 / 1.1 / 1.2 `Message` (guide §2.5). `ns` is the epikrise namespace of the
 * version; the element names are the same in all three.
 *
 * - status ServRprt/ServType, document key ServRprt/ServProvId;
 * - sender ServRprt/ServProvider/HCP, receiver ServRprt/Requester/HCP, copies ServRprt/CopyDest/HCP;
 * - diagnoses: Event/InfItem of Type H (main) or B, dated by InfItem or the Event's ReportedEvent;
 *   asterisk codes from CodedDescr/Modifier; ServReq/Diagnosis as HENVISNINGSDIAGNOSE;
 * - events: ReportedEvent start/end → ADMITTED/DISCHARGED, Patient/DateOfDeath → DEATH.
 */
export function mapEpikrise(root: XmlElement, ns: string, ctx: MappingContext): BareMessageResult {
  const header = readBareMessageHeader(root, ns, 'EPIKRISE', ctx);
  return { header, ...mapEpikriseBody(root, ns, ctx) };
}

/**
 * The ServRprt part of an epikrise, without the Message header checks; also used when a sender wraps
 * the epikrise `Message` in MsgHead (the envelope then comes from MsgHead).
 */
export function mapEpikriseBody(root: XmlElement, ns: string, ctx: MappingContext): Omit<BareMessageResult, 'header'> {
  const report = child(root, ns, 'ServRprt');
  if (report === undefined) schemaViolation('Message/ServRprt is missing');

  const sender = readHcpParty(child(child(report, ns, 'ServProvider'), ns, 'HCP'), ns);
  requireSender(sender, 'ServRprt/ServProvider');
  const receiver = readHcpParty(child(child(report, ns, 'Requester'), ns, 'HCP'), ns, 'PRIMARY');
  const otherReceivers = children(report, ns, 'CopyDest').map((copy) => readHcpParty(child(copy, ns, 'HCP'), ns, 'COP'));

  const facts: PayloadFacts = {
    status: readDocumentStatus(childV(report, ns, 'ServType'), 'ServRprt/ServType', ctx),
    services: [],
    serviceNeeds: [],
    diagnoses: [],
    patientEvents: [],
  };
  const documentId = childText(report, ns, 'ServProvId');
  if (documentId !== undefined) facts.explicitDocumentId = documentId;
  else ctx.warn('ServRprt/ServProvId is missing; the document key falls back to MsgId');

  for (const serviceRequest of children(report, ns, 'ServReq')) {
    facts.diagnoses.push(...referralDiagnoses(serviceRequest, ns, 'HENVISNINGSDIAGNOSE'));
  }
  for (const event of children(report, ns, 'Event')) {
    readStay(event, ns, facts);
  }

  const patientEl = child(report, ns, 'Patient');
  const patient = readBarePatient(patientEl, ns, ctx.warn);
  const death = timeValue(child(patientEl, ns, 'DateOfDeath'));
  if (death !== undefined) facts.patientEvents.push({ kind: 'DEATH', time: death });

  const result: Omit<BareMessageResult, 'header'> = { facts, sender, receiver, otherReceivers };
  if (patient !== undefined) result.patient = patient;
  return result;
}

/** Henvisning Diagnosis/Concept (+Modifier): the first occurrence is the main condition (XSD documentation). */
export function referralDiagnoses(parent: XmlElement, ns: string, context: 'HENVISNING' | 'HENVISNINGSDIAGNOSE'): DiagnosisFact[] {
  const out: DiagnosisFact[] = [];
  let first = true;
  for (const diagnosis of children(parent, ns, 'Diagnosis')) {
    const facts = diagnosesWithModifiers(diagnosis, ns, { context, isMain: first ? 'true' : 'false' });
    if (facts.length > 0) first = false;
    out.push(...facts);
  }
  return out;
}

function readStay(event: XmlElement, ns: string, facts: PayloadFacts): void {
  const reported = child(event, ns, 'ReportedEvent');
  const start = timeValue(child(reported, ns, 'StartDateTime'));
  const end = timeValue(child(reported, ns, 'EndDateTime'));
  const stayEvents: PatientEventFact[] = [];
  if (start !== undefined) stayEvents.push({ kind: 'ADMITTED', time: start });
  if (end !== undefined) stayEvents.push({ kind: 'DISCHARGED', time: end });
  facts.patientEvents.push(...stayEvents);

  for (const item of children(event, ns, 'InfItem')) {
    const type = childV(item, ns, 'Type')?.toUpperCase();
    if (type !== 'H' && type !== 'B') continue; // CAVE, FUNN, ANAM, MEDB… are text or medication
    // Epikrise 1.0 lets an InfItem carry its own period; otherwise the stay dates the diagnosis.
    const startDate = timeValue(child(item, ns, 'StartDateTime')) ?? start;
    const endDate = timeValue(child(item, ns, 'EndDateTime')) ?? end;
    for (const descr of children(child(item, ns, 'Observation'), ns, 'CodedDescr')) {
      facts.diagnoses.push(
        ...diagnosesWithModifiers(descr, ns, { context: 'EPIKRISE', isMain: type === 'H' ? 'true' : 'false', startDate, endDate }),
      );
    }
  }
}
