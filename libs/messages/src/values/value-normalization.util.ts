/**
 * Lexical normalisation of XSD simple values as senders actually send them (guide §7.13-7.18).
 * Functions take a warning sink so callers decide the (health-data-free) context text.
 */

/** Collects non-fatal findings; texts must never contain message content. */
export type WarningSink = (warning: string) => void;

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A GUID/UUID in its canonical 8-4-4-4-12 hex form (MsgId rule, AppRec error E10). */
export function isUuid(value: string | undefined): value is string {
  return value !== undefined && UUID.test(value);
}

/**
 * xs:boolean: true/false/1/0 (surrounding whitespace allowed). Absent or empty is undefined
 * (test case 1-15b sends an empty boolean); anything else is undefined with a warning.
 */
export function parseBoolean(value: string | undefined, where: string, warn: WarningSink): boolean | undefined {
  if (value === undefined) return undefined;
  switch (value.trim()) {
    case '':
      return undefined;
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      warn(`${where}: not an xs:boolean, ignored`);
      return undefined;
  }
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * xs:decimal to a canonical decimal string: no '+', no superfluous leading/trailing zeros,
 * a leading zero before the point ("0.5", ".5" → "0.5", "+1.50" → "1.5", "2.0" → "2").
 * A comma decimal ("0,5", invalid XSD but sent) is accepted with a warning. Never goes through float.
 */
export function normalizeDecimal(value: string | undefined, where: string, warn: WarningSink): string | undefined {
  if (value === undefined) return undefined;
  let v = value.trim();
  if (v === '') return undefined;
  if (v.includes(',') && !v.includes('.')) {
    v = v.replace(',', '.');
    warn(`${where}: comma used as decimal separator, normalised`);
  }
  const m = DECIMAL.exec(v);
  if (m === null || (m[2] === '' && (m[3] === undefined || m[3] === ''))) {
    warn(`${where}: not an xs:decimal, ignored`);
    return undefined;
  }
  const intPart = m[2].replace(/^0+/, '') || '0';
  const fracPart = (m[3] ?? '').replace(/0+$/, '');
  const body = fracPart === '' ? intPart : `${intPart}.${fracPart}`;
  return m[1] === '-' && body !== '0' ? `-${body}` : body;
}

/**
 * xs:double kept as sent (it may be 1E1 or INF), only trimmed; a comma decimal is fixed with a warning.
 */
export function normalizeDouble(value: string | undefined, where: string, warn: WarningSink): string | undefined {
  if (value === undefined) return undefined;
  let v = value.trim();
  if (v === '') return undefined;
  if (/^[+-]?\d*,\d+$/.test(v)) {
    v = v.replace(',', '.');
    warn(`${where}: comma used as decimal separator, normalised`);
  }
  if (!/^([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN)$/.test(v)) {
    warn(`${where}: not an xs:double, ignored`);
    return undefined;
  }
  return v;
}

/**
 * Own-property lookup in a constant table keyed by message content, so a value like "constructor"
 * or "__proto__" can never reach Object.prototype.
 */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}
