import { MessageException, MessageExceptionCode } from '../message.exception';
import { ParsedMessage, PatientIdentifier } from '../model/parsed-message.model';

/**
 * Usable for identifying a patient: a checked identifier (FNR/DNR/HNR/FHN) that passed all HIS 1001 rules,
 * or an identifier of a type we cannot check (DUF, PNR, …) with a value.
 */
export function isUsablePatientIdentifier(id: PatientIdentifier): boolean {
  if (id.value.trim() === '') return false;
  return id.valid !== false;
}

/**
 * Intake's patient policy, kept out of `parseMessage()` so the parser can still return facts for a
 * message that must be answered with E30/E31.
 *
 * - PATIENT_ID_MISSING (E30): no patient, or no identifier at all.
 * - PATIENT_ID_INVALID (E31): identifiers are present but none is usable, e.g. the only FNR fails its
 *   checksum or a DNR has no real date. An HNR failing its checksum next to a valid FNR is fine.
 *
 * Not meant for AppRec (it has no patient). The exception text lists identifier types, never values.
 */
export function assertPatientIdentified(msg: ParsedMessage): void {
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
