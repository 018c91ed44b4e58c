/**
 * A patient's demographics in the read model, merged from every message that names the patient.
 *
 * The merge must not depend on the order messages arrive in: the live projector sees them in
 * Kafka order per partition, a rebuild may interleave partitions differently, and a gateway may
 * deliver an older message late. So `mergeDemographics` is commutative and associative (and
 * merging the same message twice changes nothing):
 *
 * - Names (family and given, as one pair) come from the message with the newest GenDate among
 *   those that carry a name; a newer message without names keeps them. `namesGenDate` is that
 *   message's GenDate. Equal GenDates with different names: the greater pair wins (arbitrary,
 *   but the same in every order).
 * - Birth date and sex: the first non-null value in sort order. Both come from the national
 *   identity register and messages should agree; when they do not, the result is still the
 *   same in every order.
 * - Identifier types are united; `lastGenDate` is the newest GenDate seen.
 */
export interface PatientDemographics {
  pseudonym: string;
  familyName: string | null;
  givenName: string | null;
  /** GenDate of the message the names come from; null when no message named the patient. */
  namesGenDate: string | null;
  birthDate: string | null;
  sex: string | null;
  identifierTypes: string[];
  lastGenDate: string | null;
}

/** What one message says about its patient, as demographics to merge. */
export function demographicsOf(
  patient: { pseudonym: string; familyName: string | null; givenName: string | null; birthDate: string | null; sex: string | null; identifierTypes: string[] },
  genDate: string,
): PatientDemographics {
  const named = patient.familyName !== null || patient.givenName !== null;
  return {
    pseudonym: patient.pseudonym,
    familyName: patient.familyName,
    givenName: patient.givenName,
    namesGenDate: named ? genDate : null,
    birthDate: patient.birthDate,
    sex: patient.sex,
    identifierTypes: [...new Set(patient.identifierTypes)].sort(),
    lastGenDate: genDate,
  };
}

export function mergeDemographics(a: PatientDemographics, b: PatientDemographics): PatientDemographics {
  const names = namesRank(b) > namesRank(a) ? b : a;
  return {
    pseudonym: a.pseudonym,
    familyName: names.familyName,
    givenName: names.givenName,
    namesGenDate: names.namesGenDate,
    birthDate: least(a.birthDate, b.birthDate),
    sex: least(a.sex, b.sex),
    identifierTypes: [...new Set([...a.identifierTypes, ...b.identifierTypes])].sort(),
    lastGenDate: greatest(a.lastGenDate, b.lastGenDate),
  };
}

/** Orders the name pairs: no names first, then by GenDate, then by the names themselves. */
function namesRank(d: PatientDemographics): string {
  if (d.namesGenDate === null) return '';
  // \u0001 separates and sorts below every character a name or date contains; \u0000 stands for null.
  return `\u0002${d.namesGenDate}\u0001${d.familyName ?? '\u0000'}\u0001${d.givenName ?? '\u0000'}`;
}

function least(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a <= b ? a : b;
}

function greatest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a >= b ? a : b;
}
