/**
 * HER-ids (Adresseregisteret's ids of communication parties) as senders write them: with digit
 * grouping (`258.521`, `258 521`, a non-breaking or thin space) or with leading zeros (`01010`).
 * A HER-id is a number: `normalizeHerId` gives its canonical form, the decimal digits without
 * grouping or leading zeros, so every comparison (routing, the directory, stored parties,
 * transport headers, the read model) compares the numeric value. This is the one home of that
 * rule; everything that reads a HER-id calls it.
 */

/** Spaces of any kind (incl. no-break and thin spaces) and dots between digit groups. */
const GROUPING = /^\d{1,3}(?:[\s\u00a0\u2007\u202f.]\d{3})+$/;
const DIGITS = /^\d+$/;

/**
 * The canonical HER-id: digits only, no leading zeros (`'258.521'` → `'258521'`, `'01010'` →
 * `'1010'`). A value that is not a HER-id number (letters, other separators, grouping that is not
 * in threes) comes back trimmed but otherwise as sent, so it never matches a real HER-id.
 */
export function normalizeHerId(value: string): string {
  const trimmed = value.trim();
  let digits: string | undefined;
  if (DIGITS.test(trimmed)) digits = trimmed;
  else if (GROUPING.test(trimmed)) digits = trimmed.replace(/[^\d]/g, '');
  if (digits === undefined) return trimmed;
  const stripped = digits.replace(/^0+/, '');
  return stripped === '' ? '0' : stripped;
}

/** True when the value normalizes to a HER-id number. */
export function isHerIdNumber(value: string): boolean {
  return DIGITS.test(normalizeHerId(value));
}

/** The parts of a party that carry HER-ids (structural, so this file needs no model import). */
interface HerIdCarrier {
  organisation: Array<{ herId?: string; identifiers?: Array<{ type: string; id: string }> }>;
  healthcareProfessional?: { herId?: string; identifiers?: Array<{ type: string; id: string }> };
  otherProfessionals?: Array<{ herId?: string; identifiers?: Array<{ type: string; id: string }> }>;
}

/**
 * Every HER-id of a party, canonical, outermost organisation level first: each level's HER
 * identifiers (Ident, or Id and AdditionalId of the 1.x standards), then its persons' (the
 * HealthcareProfessional, every HCPerson / HCProf, their AdditionalIds included). Routing, the
 * stored parties and the read model all use this one list.
 */
export function partyHerIds(party: HerIdCarrier): string[] {
  const out: string[] = [];
  const add = (holder: { herId?: string; identifiers?: Array<{ type: string; id: string }> } | undefined) => {
    if (holder === undefined) return;
    if (holder.herId) out.push(normalizeHerId(holder.herId));
    for (const ident of holder.identifiers ?? []) if (ident.type === 'HER' && ident.id) out.push(normalizeHerId(ident.id));
  };
  party.organisation.forEach(add);
  add(party.healthcareProfessional);
  party.otherProfessionals?.forEach(add);
  return [...new Set(out)];
}

/** The sender's top-level HER-id: the first organisation level that has one (canonical). */
export function topHerId(party: HerIdCarrier): string | undefined {
  const herId = party.organisation.find((o) => o.herId)?.herId;
  return herId === undefined ? undefined : normalizeHerId(herId);
}
