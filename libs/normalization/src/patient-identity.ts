import { patientPseudonym } from '@hub/contracts';
import type { PatientInfo } from '@hub/messages';

/**
 * Which of a message's patient identifiers names the person, and the pseudonyms of the others.
 * Priority: FNR, DNR, FHN (felles hjelpenummer), then HNR. An H-nummer is internal to the
 * organisation that issued it, so it is scoped by the sender's outermost HER-id and never
 * merged across organisations. Identifiers that fail their checksum are not used.
 */
const PRIORITY = ['FNR', 'DNR', 'FHN', 'HNR'];

export interface PatientPseudonyms {
  primary: string;
  linked: string[];
  identifierTypes: string[];
}

export function canonicalIdentifier(type: string, value: string, senderHerId: string | undefined): { type: string; value: string } {
  const upper = type.toUpperCase();
  return upper === 'HNR' ? { type: upper, value: `${senderHerId ?? 'unknown'}:${value}` } : { type: upper, value };
}

export function resolvePatientPseudonyms(
  key: string,
  kommunenummer: string,
  patient: PatientInfo | undefined,
  senderHerId: string | undefined,
): PatientPseudonyms | undefined {
  const usable = (patient?.identifiers ?? [])
    .filter((i) => i.value && i.checksumValid !== false && PRIORITY.includes(i.type.toUpperCase()))
    .sort((a, b) => PRIORITY.indexOf(a.type.toUpperCase()) - PRIORITY.indexOf(b.type.toUpperCase()));
  if (usable.length === 0) return undefined;
  const pseudonyms = usable.map((i) => {
    const canonical = canonicalIdentifier(i.type, i.value, senderHerId);
    return patientPseudonym(key, kommunenummer, canonical.type, canonical.value);
  });
  return {
    primary: pseudonyms[0],
    linked: [...new Set(pseudonyms)].filter((p) => p !== pseudonyms[0]),
    identifierTypes: [...new Set(usable.map((i) => i.type.toUpperCase()))],
  };
}
