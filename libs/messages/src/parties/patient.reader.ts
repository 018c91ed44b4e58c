import { checkNorwegianId, isCheckableIdType, normalizePersonIdValue } from '../identifiers/norwegian-id.util';
import { PatientIdentifier, PatientInfo } from '../model/parsed-message.model';
import { WarningSink } from '../values/value-normalization.util';
import { NS } from '../xml/namespaces.constant';
import { XmlElement } from '../xml/xml-element.model';
import { childText, childV, children, timeValue, child } from '../xml/xml-navigation.util';

/**
 * Builds a PatientIdentifier with the HIS 1001 checks for FNR/DNR/HNR/FHN. Failures become
 * warnings without the number; whether to reject is intake's decision (assertPatientIdentified).
 * Type codes are compared upper-case (`fnr` is FNR); the value of a checkable type is read
 * without the spaces senders group it with (`normalizePersonIdValue`).
 */
export function patientIdentifier(type: string, rawValue: string, warn: WarningSink): PatientIdentifier {
  const normalizedType = type.trim().toUpperCase();
  const value = isCheckableIdType(normalizedType) ? normalizePersonIdValue(rawValue) : rawValue;
  const id: PatientIdentifier = { type: normalizedType, value };
  if (isCheckableIdType(normalizedType)) {
    const check = checkNorwegianId(value, normalizedType);
    id.checksumValid = check.checksumValid;
    id.valid = check.valid;
    if (check.synthetic) id.synthetic = true;
    if (!check.checksumValid) warn(`Patient identifier of type ${normalizedType} fails the mod-11 checksum`);
    else if (!check.valid) warn(`Patient identifier of type ${normalizedType} has no valid date or does not fit its type`);
  }
  return id;
}

/** MsgHead MsgInfo/Patient: name parts, DateOfBirth (text), Sex/@V and every Ident. */
export function readMsgHeadPatient(el: XmlElement | undefined, warn: WarningSink): PatientInfo | undefined {
  if (el === undefined) return undefined;
  const ns = NS.MSGHEAD;
  const patient: PatientInfo = { identifiers: [] };
  for (const ident of children(el, ns, 'Ident')) {
    const value = childText(ident, ns, 'Id');
    const type = childV(ident, ns, 'TypeId');
    if (value === undefined || type === undefined) {
      warn('Patient Ident without Id or TypeId ignored');
      continue;
    }
    patient.identifiers.push(patientIdentifier(type, value, warn));
  }
  assign(patient, 'familyName', childText(el, ns, 'FamilyName'));
  assign(patient, 'middleName', childText(el, ns, 'MiddleName'));
  assign(patient, 'givenName', childText(el, ns, 'GivenName'));
  assign(patient, 'dateOfBirth', timeValue(child(el, ns, 'DateOfBirth')));
  assign(patient, 'sex', childV(el, ns, 'Sex'));
  return patient;
}

/**
 * Epikrise / Henvisning 1.x Patient: OffId + TypeOffId, Name as "Etternavn, Fornavn",
 * DateOfBirth/@V, Sex/@V.
 */
export function readBarePatient(el: XmlElement | undefined, ns: string, warn: WarningSink): PatientInfo | undefined {
  if (el === undefined) return undefined;
  const patient: PatientInfo = { identifiers: [] };
  const value = childText(el, ns, 'OffId');
  const type = childV(el, ns, 'TypeOffId');
  if (value !== undefined && type !== undefined) patient.identifiers.push(patientIdentifier(type, value, warn));
  else if (value !== undefined || type !== undefined) warn('Patient OffId without TypeOffId (or the reverse) ignored');
  const name = childText(el, ns, 'Name');
  if (name !== undefined) {
    const comma = name.indexOf(',');
    if (comma === -1) {
      patient.familyName = name;
    } else {
      assign(patient, 'familyName', name.slice(0, comma).trim() || undefined);
      assign(patient, 'givenName', name.slice(comma + 1).trim() || undefined);
    }
  }
  assign(patient, 'dateOfBirth', timeValue(child(el, ns, 'DateOfBirth')));
  assign(patient, 'sex', childV(el, ns, 'Sex'));
  return patient;
}

function assign<K extends keyof PatientInfo>(target: PatientInfo, key: K, value: PatientInfo[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
