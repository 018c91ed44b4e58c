/**
 * Norwegian person identifiers (HIS 1001:2010): fødselsnummer (FNR), D-nummer (DNR), H-nummer (HNR)
 * and felles hjelpenummer (FHN). Pure functions; results never echo the number, so callers can log them.
 */

export type NorwegianIdKind = 'FNR' | 'DNR' | 'HNR' | 'FHN';

export interface NorwegianIdCheck {
  /**
   * What the digits say the number is: first digit 0-3 → FNR (or HNR when the month is +40 and no
   * other type was declared), 4-7 → DNR, 8-9 → FHN. 'UNKNOWN' when it is not 11 digits.
   */
  kind: NorwegianIdKind | 'UNKNOWN';
  /** Both mod-11 check digits are right. */
  checksumValid: boolean;
  /** Day and month form a real calendar date (always true for FHN, which has no date). */
  dateValid: boolean;
  /**
   * A synthetic test number: month +80 (Skatteetaten Tenor) or, on a number declared FNR/DNR, month +40
   * (NAV). UNVERIFIED rules (guide §7.19); synthetic numbers are checksum-valid and otherwise valid.
   */
  synthetic: boolean;
  /** checksumValid && dateValid && the digits fit the declared type (when one was given). */
  valid: boolean;
}

const W1 = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const W2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
const ELEVEN_DIGITS = /^\d{11}$/;

function checkDigit(digits: number[], weights: number[]): number | undefined {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += digits[i] * weights[i];
  const k = 11 - (sum % 11);
  if (k === 11) return 0;
  if (k === 10) return undefined; // individnummer not in use: no valid check digit exists
  return k;
}

/** Both HIS 1001 mod-11 check digits of an 11-digit number are correct. */
export function hasValidMod11(value: string): boolean {
  if (!ELEVEN_DIGITS.test(value)) return false;
  const d = Array.from(value, (c) => c.charCodeAt(0) - 48);
  const k1 = checkDigit(d, W1);
  if (k1 === undefined || k1 !== d[9]) return false;
  const k2 = checkDigit(d, W2);
  return k2 !== undefined && k2 === d[10];
}

/** Full year from the 2-digit year and the individnummer (HIS 1001 table); undefined if no range fits. */
function centuryYear(yy: number, individ: number): number | undefined {
  if (individ <= 499) return 1900 + yy;
  if (individ <= 749 && yy >= 54) return 1800 + yy;
  if (individ >= 500 && yy <= 39) return 2000 + yy;
  if (individ >= 900 && yy >= 40) return 1900 + yy;
  return undefined;
}

function isRealDate(day: number, month: number, year: number | undefined): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year === undefined || (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0));
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day <= days;
}

/**
 * Classifies and validates an identifier. `declaredType` is the TypeId code sent with it (8116); it
 * resolves the one ambiguity in the rules: month +40 is an H-nummer, but also NAV's synthetic marker.
 */
export function checkNorwegianId(value: string, declaredType?: string): NorwegianIdCheck {
  const declared = declaredType?.trim().toUpperCase();
  if (!ELEVEN_DIGITS.test(value)) {
    return { kind: 'UNKNOWN', checksumValid: false, dateValid: false, synthetic: false, valid: false };
  }
  const checksumValid = hasValidMod11(value);
  const first = value.charCodeAt(0) - 48;

  if (first >= 8) {
    // Felles hjelpenummer: 9 digits 800000000-999999999 + 2 check digits; no date in it.
    const valid = checksumValid && (declared === undefined || declared === 'FHN');
    return { kind: 'FHN', checksumValid, dateValid: true, synthetic: false, valid };
  }

  let day = parseInt(value.slice(0, 2), 10);
  let month = parseInt(value.slice(2, 4), 10);
  const yy = parseInt(value.slice(4, 6), 10);
  const individ = parseInt(value.slice(6, 9), 10);
  let kind: NorwegianIdKind = 'FNR';
  let synthetic = false;

  if (first >= 4) {
    kind = 'DNR';
    day -= 40;
  }
  if (month >= 81 && month <= 92) {
    synthetic = true;
    month -= 80;
  } else if (month >= 41 && month <= 52) {
    month -= 40;
    if (kind === 'FNR' && declared !== 'FNR') kind = 'HNR';
    else synthetic = true; // +40 on a declared FNR or on a DNR: NAV synthetic marker
  }
  const dateValid = isRealDate(day, month, centuryYear(yy, individ));
  const typeFits = declared === undefined || declared === kind;
  return { kind, checksumValid, dateValid, synthetic, valid: checksumValid && dateValid && typeFits };
}

/** True for a valid fødselsnummer (including synthetic test FNRs). */
export function isValidFnr(value: string): boolean {
  return checkNorwegianId(value, 'FNR').valid;
}

/** True for a valid D-nummer. */
export function isValidDnr(value: string): boolean {
  return checkNorwegianId(value, 'DNR').valid;
}

/** True for a valid H-nummer (third digit +4, month 41-52). */
export function isValidHnr(value: string): boolean {
  return checkNorwegianId(value, 'HNR').valid;
}

/** True for a valid felles hjelpenummer (first digit 8 or 9, two mod-11 check digits). */
export function isValidFhn(value: string): boolean {
  return checkNorwegianId(value, 'FHN').valid;
}

/** The identifier types this module can check (code list 8116). */
export function isCheckableIdType(type: string): type is NorwegianIdKind {
  return type === 'FNR' || type === 'DNR' || type === 'HNR' || type === 'FHN';
}

/**
 * A person identifier as senders write it: `150765 00565` (grouped with spaces, including no-break
 * and thin spaces) is `15076500565`. Only whitespace is removed, and only when what remains is the
 * 11 digits of a FNR / DNR / HNR / FHN; anything else comes back trimmed, so its checks fail as
 * before. The one home of this rule: the message parser and the read API's identifier lookups use it.
 */
export function normalizePersonIdValue(value: string): string {
  const trimmed = value.trim();
  const compact = trimmed.replace(/[\s\u00a0\u2007\u202f]/g, '');
  return ELEVEN_DIGITS.test(compact) ? compact : trimmed;
}
