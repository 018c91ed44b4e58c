import { MessageException, MessageExceptionCode } from '../message.exception';
import { ParsedMessage, PatientIdentifier, PatientInfo } from '../model/parsed-message.model';

/**
 * Usable for identifying a patient: a checked identifier (FNR/DNR/HNR/FHN) that passed all HIS 1001 rules,
 * or an identifier of a type we cannot check (DUF, PNR, …) with a value.
 */
export function isUsablePatientIdentifier(id: PatientIdentifier): boolean {
  if (id.value.trim() === '') return false;
  return id.valid !== false;
}

/** A Patient element that says nothing (`<Patient/>`) names no patient. */
function namesPatient(patient: PatientInfo | undefined): boolean {
  if (patient === undefined) return false;
  return patient.identifiers.length > 0 || Boolean(patient.familyName || patient.givenName || patient.middleName || patient.dateOfBirth);
}

/**
 * Whether the message's standard requires a patient. MsgHead makes `MsgInfo/Patient` optional
 * (0..1) for every payload, but the business standards decide:
 * - Epikrise and Henvisning 1.x: `Patient` is mandatory in their own XSDs (Epikrise-v1.0–1.2,
 *   Henvisning-v1.0/1.1: `ServRprt/Patient`, `ServReq/Patient` without minOccurs).
 * - PLO 1.5 / 1.6 / 2.0 and Henvisning 2.0: every payload is a report about one patient and the
 *   message profiles (HIS 1143–1149, Henvisning 2.0) require MsgHead's Patient.
 * - Dialogmelding 1.0 / 1.1: the payload has no patient of its own and covers notes and questions
 *   that need none (avvik, a question about a referral's status), so the patient is optional.
 * AppRec has no patient, and an unmapped payload (OTHER) is only stored.
 */
export function patientRequired(msg: Pick<ParsedMessage, 'standard'>): boolean {
  return msg.standard === 'PLO' || msg.standard === 'EPIKRISE' || msg.standard === 'HENVISNING';
}

/**
 * Intake's patient policy, kept out of `parseMessage()` so the parser can still return facts for a
 * message that must be answered with E30/E31.
 *
 * - PATIENT_ID_MISSING (E30): no patient, or no identifier at all.
 * - PATIENT_ID_INVALID (E31): identifiers are present but none is usable, e.g. the only FNR fails its
 *   checksum or a DNR has no real date. An HNR failing its checksum next to a valid FNR is fine.
 *
 * A message whose standard makes the patient optional (`patientRequired`) and that names no
 * patient at all passes; one that names a patient must identify it like any other.
 *
 * Not meant for AppRec (it has no patient). The exception text lists identifier types, never values.
 */
export function assertPatientIdentified(msg: ParsedMessage): void {
  if (!namesPatient(msg.patient) && !patientRequired(msg)) return;
  const ids = msg.patient?.identifiers ?? [];
  const partial = { msgId: msg.msgId, msgType: msg.msgType, genDate: msg.genDate, namespace: msg.payloadNamespace };
  if (ids.length === 0) {
    throw new MessageException(MessageExceptionCode.PATIENT_ID_MISSING, 'The message has no patient identifier', partial);
  }
  if (ids.some(isUsablePatientIdentifier)) return;
  const types = [...new Set(ids.map((i) => i.type.replace(/[^A-Z0-9_-]/gi, '').slice(0, 10)))].join(', ');
  throw new MessageException(
    MessageExceptionCode.PATIENT_ID_INVALID,
    `No valid patient identifier: every identifier (${types}) fails its checksum, date or type rules`,
    partial,
  );
}
