/**
 * Generators for valid Norwegian person identifiers (HIS 1001:2010), for tests and benchmarks.
 *
 * Numbers are synthetic: any combination of date and individnummer that yields valid check digits is
 * produced; it may coincide with a real person's number, so generated data must stay in test systems.
 */

const WEIGHTS_1 = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const WEIGHTS_2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/** Mod-11 check digit over `digits` with `weights`; `undefined` when the remainder gives 10 (no valid digit). */
function mod11(digits: number[], weights: number[]): number | undefined {
  const sum = weights.reduce((acc, weight, i) => acc + weight * digits[i], 0);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return undefined;
  return check;
}

/** Both HIS 1001 check digits for a 9-digit base, or `undefined` when the base has none. */
export function checkDigits(base9: string): string | undefined {
  if (!/^\d{9}$/.test(base9)) throw new Error('checkDigits expects exactly 9 digits');
  const digits = [...base9].map(Number);
  const k1 = mod11(digits, WEIGHTS_1);
  if (k1 === undefined) return undefined;
  const k2 = mod11([...digits, k1], WEIGHTS_2);
  if (k2 === undefined) return undefined;
  return `${k1}${k2}`;
}

/** True when an 11-digit number has valid HIS 1001 check digits (it says nothing about the date part). */
export function hasValidCheckDigits(value: string): boolean {
  if (!/^\d{11}$/.test(value)) return false;
  return checkDigits(value.slice(0, 9)) === value.slice(9);
}

function parseBirthDate(birthDate: string): { day: number; month: number; year: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  if (!match) throw new Error('birthDate must be an xs:date (YYYY-MM-DD)');
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    throw new Error('birthDate is not a calendar date');
  }
  return { day, month, year };
}

/**
 * Individnummer ranges that encode the century (Skatteetaten's rules): 000-499 for 1900-1999,
 * 500-749 for 1854-1899, 500-999 for 2000-2039, 900-999 for 1940-1999.
 */
function individRangeFor(year: number): Array<[number, number]> {
  if (year >= 1854 && year <= 1899) return [[500, 749]];
  if (year >= 1900 && year <= 1939) return [[0, 499]];
  if (year >= 1940 && year <= 1999) return [[0, 499], [900, 999]];
  if (year >= 2000 && year <= 2039) return [[500, 999]];
  throw new Error('birth year outside the range the identifier scheme can encode');
}

function build(birthDate: string, individ: number | undefined, dayOffset: number, monthOffset: number): string {
  const { day, month, year } = parseBirthDate(birthDate);
  const ranges = individRangeFor(year);
  const inRange: number[] = [];
  for (const [from, to] of ranges) for (let i = from; i <= to; i++) inRange.push(i);
  let candidates = inRange;
  if (individ !== undefined) {
    const start = inRange.indexOf(individ);
    if (start < 0) throw new Error('individnummer does not fit the birth year');
    // Some individnummer give remainder 10 (no check digit): take the next one, as the issuer does.
    candidates = [...inRange.slice(start), ...inRange.slice(0, start)];
  }
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  for (const value of candidates) {
    const base = `${pad(day + dayOffset, 2)}${pad(month + monthOffset, 2)}${pad(year % 100, 2)}${pad(value, 3)}`;
    const check = checkDigits(base);
    if (check !== undefined) return base + check;
  }
  throw new Error('no individnummer with valid check digits found');
}

/**
 * A fødselsnummer for `birthDate` (YYYY-MM-DD). `individ` (0-999) is the preferred individnummer; when it
 * has no valid check digits the next one is used. Without it, the first valid one for the century is used.
 */
export function fnr(birthDate: string, individ?: number): string {
  return build(birthDate, individ, 0, 0);
}

/** A D-nummer: like a fødselsnummer with 4 added to the first digit (day 41-71). */
export function dnr(birthDate: string, individ?: number): string {
  return build(birthDate, individ, 40, 0);
}

/** An H-nummer: like a fødselsnummer with 4 added to the third digit (month 41-52). */
export function hnr(birthDate: string, individ?: number): string {
  return build(birthDate, individ, 0, 40);
}

/** A felles hjelpenummer: 9 digits in 800000000-999999999 plus two check digits. */
export function fhn(base = 800000000): string {
  if (!Number.isInteger(base) || base < 800000000 || base > 999999999) throw new Error('fhn base must be 800000000-999999999');
  for (let n = base; n <= 999999999; n++) {
    const check = checkDigits(String(n));
    if (check !== undefined) return `${n}${check}`;
  }
  throw new Error('no felles hjelpenummer found above the given base');
}
