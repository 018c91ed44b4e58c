import fc from 'fast-check';
import { checkNorwegianId, hasValidMod11, isCheckableIdType, isValidDnr, isValidFhn, isValidFnr, isValidHnr } from './norwegian-id.util';

/*
 * Properties of the identifier checks against an oracle written here from HIS 1001:2010 itself,
 * not from the code under test: the two mod-11 control digits (weights 3 7 6 1 8 9 4 5 2 and
 * 5 4 3 2 7 6 5 4 3 2, remainder 0 gives 0, remainder 1 means the individnummer is not used), the
 * century from the individnummer, and the calendar from JavaScript's own Date.
 */
const K1_WEIGHTS = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const K2_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

function control(digits: number[], weights: number[]): number | null {
  const remainder = weights.reduce((sum, w, i) => sum + w * digits[i], 0) % 11;
  if (remainder === 0) return 0;
  if (remainder === 1) return null;
  return 11 - remainder;
}

/** The nine leading digits with both control digits, or null when no control digit exists. */
function complete(nine: string): string | null {
  const digits = [...nine].map(Number);
  const k1 = control(digits, K1_WEIGHTS);
  if (k1 === null) return null;
  const k2 = control([...digits, k1], K2_WEIGHTS);
  return k2 === null ? null : `${nine}${k1}${k2}`;
}

/** HIS 1001 individnummer ranges for each century, as (first, last) individnummer and years. */
const RANGES = [
  { individ: [0, 499], years: [1900, 1999] },
  { individ: [500, 749], years: [1854, 1899] },
  { individ: [500, 999], years: [2000, 2039] },
  { individ: [900, 999], years: [1940, 1999] },
] as const;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const isCalendarDate = (y: number, m: number, d: number) => {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
};

/** A real birth date with an individnummer of its century, shifted for the kind of number. */
const person = fc
  .constantFrom(...RANGES)
  .chain((r) =>
    fc.record({
      year: fc.integer({ min: r.years[0], max: r.years[1] }),
      individ: fc.integer({ min: r.individ[0], max: r.individ[1] }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 31 }),
    }),
  )
  .filter(({ year, month, day }) => isCalendarDate(year, month, day));

function number(p: { year: number; individ: number; month: number; day: number }, shift: { day?: number; month?: number } = {}): string | null {
  return complete(`${pad(p.day + (shift.day ?? 0))}${pad(p.month + (shift.month ?? 0))}${pad(p.year % 100)}${pad(p.individ, 3)}`);
}

const VALID = { checksumValid: true, dateValid: true, valid: true };

describe('Norwegian identifiers against HIS 1001 (properties)', () => {
  it('accepts every fødselsnummer built from a real date and an individnummer of its century', () => {
    fc.assert(
      fc.property(person, (p) => {
        const fnr = number(p);
        fc.pre(fnr !== null);
        expect(checkNorwegianId(fnr!, 'FNR')).toEqual({ kind: 'FNR', synthetic: false, ...VALID });
        expect(checkNorwegianId(fnr!)).toEqual({ kind: 'FNR', synthetic: false, ...VALID });
        expect(isValidFnr(fnr!)).toBe(true);
        expect([isValidDnr(fnr!), isValidHnr(fnr!), isValidFhn(fnr!)]).toEqual([false, false, false]);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts every D-nummer (day + 40) and H-nummer (month + 40), each only as its own type', () => {
    fc.assert(
      fc.property(person, (p) => {
        const dnr = number(p, { day: 40 });
        const hnr = number(p, { month: 40 });
        if (dnr) {
          expect(checkNorwegianId(dnr, 'DNR')).toEqual({ kind: 'DNR', synthetic: false, ...VALID });
          expect(checkNorwegianId(dnr)).toEqual({ kind: 'DNR', synthetic: false, ...VALID });
          expect([isValidDnr(dnr), isValidFnr(dnr), isValidHnr(dnr)]).toEqual([true, false, false]);
        }
        if (hnr) {
          expect(checkNorwegianId(hnr, 'HNR')).toEqual({ kind: 'HNR', synthetic: false, ...VALID });
          expect(checkNorwegianId(hnr)).toEqual({ kind: 'HNR', synthetic: false, ...VALID });
          expect([isValidHnr(hnr), isValidDnr(hnr)]).toEqual([true, false]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('classifies synthetic test numbers: month + 80 (Tenor) for FNR and DNR, month + 40 (NAV) on a declared FNR or a DNR', () => {
    fc.assert(
      fc.property(person, (p) => {
        const tenor = number(p, { month: 80 });
        if (tenor) expect(checkNorwegianId(tenor)).toEqual({ kind: 'FNR', synthetic: true, ...VALID });
        const tenorDnr = number(p, { day: 40, month: 80 });
        if (tenorDnr) expect(checkNorwegianId(tenorDnr, 'DNR')).toEqual({ kind: 'DNR', synthetic: true, ...VALID });
        const nav = number(p, { month: 40 });
        if (nav) expect(checkNorwegianId(nav, 'FNR')).toEqual({ kind: 'FNR', synthetic: true, ...VALID });
        const navDnr = number(p, { day: 40, month: 40 });
        if (navDnr) expect(checkNorwegianId(navDnr)).toEqual({ kind: 'DNR', synthetic: true, ...VALID });
      }),
      { numRuns: 200 },
    );
  });

  it('refuses any single changed digit (each control digit is checked on its own)', () => {
    fc.assert(
      fc.property(person, fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 9 }), (p, position, delta) => {
        const fnr = number(p);
        fc.pre(fnr !== null);
        const changed = fnr!.slice(0, position) + String((Number(fnr![position]) + delta) % 10) + fnr!.slice(position + 1);
        expect(hasValidMod11(changed)).toBe(false);
        expect(checkNorwegianId(changed).checksumValid).toBe(false);
        expect(checkNorwegianId(changed).valid).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('checks the first control digit on its own: a right second digit does not save a wrong first one', () => {
    // Each number here has a wrong 10th digit but an 11th digit that is right for the digits before it.
    fc.assert(
      fc.property(person, fc.integer({ min: 1, max: 9 }), (p, delta) => {
        const fnr = number(p);
        fc.pre(fnr !== null);
        const wrongK1 = (Number(fnr![9]) + delta) % 10;
        const digits = [...fnr!.slice(0, 9)].map(Number).concat(wrongK1);
        const k2 = control(digits, K2_WEIGHTS);
        fc.pre(k2 !== null);
        const value = `${fnr!.slice(0, 9)}${wrongK1}${k2}`;
        expect(hasValidMod11(value)).toBe(false);
        expect(checkNorwegianId(value, 'FNR')).toMatchObject({ checksumValid: false, dateValid: true, valid: false });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a number whose individnummer has no first control digit (remainder 1)', () => {
    fc.assert(
      fc.property(person, fc.integer({ min: 0, max: 99 }), (p, k) => {
        const nine = `${pad(p.day)}${pad(p.month)}${pad(p.year % 100)}${pad(p.individ, 3)}`;
        fc.pre(control([...nine].map(Number), K1_WEIGHTS) === null);
        expect(hasValidMod11(`${nine}${pad(k)}`)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a number whose first control digit has no second (remainder 1)', () => {
    fc.assert(
      fc.property(person, fc.integer({ min: 0, max: 9 }), (p, k2) => {
        const nine = `${pad(p.day)}${pad(p.month)}${pad(p.year % 100)}${pad(p.individ, 3)}`;
        const k1 = control([...nine].map(Number), K1_WEIGHTS);
        fc.pre(k1 !== null && control([...nine].map(Number).concat(k1!), K2_WEIGHTS) === null);
        expect(hasValidMod11(`${nine}${k1}${k2}`)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('judges the date by the calendar of the century the individnummer names', () => {
    const dates = fc.record({
      range: fc.constantFrom(...RANGES),
      yearOffset: fc.nat(),
      individOffset: fc.nat(),
      month: fc.integer({ min: 0, max: 13 }),
      day: fc.integer({ min: 0, max: 32 }),
    });
    fc.assert(
      fc.property(dates, ({ range, yearOffset, individOffset, month, day }) => {
        const year = range.years[0] + (yearOffset % (range.years[1] - range.years[0] + 1));
        const individ = range.individ[0] + (individOffset % (range.individ[1] - range.individ[0] + 1));
        const fnr = number({ year, individ, month, day });
        fc.pre(fnr !== null);
        // A few ranges overlap on a year's last two digits (500-749 and 500-999): the number then names
        // the first range in HIS 1001's order, so compare with that one.
        const named = RANGES.find((r) => individ >= r.individ[0] && individ <= r.individ[1] && year % 100 >= r.years[0] % 100 && year % 100 <= r.years[1] % 100)!;
        const namedYear = named.years[0] - (named.years[0] % 100) + (year % 100);
        expect(checkNorwegianId(fnr!, 'FNR').dateValid).toBe(month >= 1 && month <= 12 && isCalendarDate(namedYear, month, day));
      }),
      { numRuns: 600 },
    );
  });
});

describe('Norwegian identifiers: boundaries', () => {
  const fnr = (ddmmyy: string, individ: string) => complete(`${ddmmyy}${individ}`) ?? complete(`${ddmmyy}${String(Number(individ) + 1).padStart(3, '0')}`)!;

  it('accepts the last day of December and refuses month 13 and day 0', () => {
    expect(checkNorwegianId(fnr('311299', '123'), 'FNR').dateValid).toBe(true);
    expect(checkNorwegianId(fnr('011299', '123'), 'FNR').dateValid).toBe(true);
    expect(checkNorwegianId(fnr('011399', '123'), 'FNR').dateValid).toBe(false);
    expect(checkNorwegianId(fnr('010099', '123'), 'FNR').dateValid).toBe(false);
    expect(checkNorwegianId(fnr('000199', '123'), 'FNR').dateValid).toBe(false);
    expect(checkNorwegianId(fnr('310499', '123'), 'FNR').dateValid).toBe(false);
  });

  it('29 February: valid in 1904 (leap), 2000 (divisible by 400); not in 1900, 1901', () => {
    expect(checkNorwegianId(fnr('290204', '123'), 'FNR').dateValid).toBe(true);
    expect(checkNorwegianId(fnr('290200', '523'), 'FNR').dateValid).toBe(true);
    expect(checkNorwegianId(fnr('290200', '123'), 'FNR').dateValid).toBe(false);
    expect(checkNorwegianId(fnr('290201', '123'), 'FNR').dateValid).toBe(false);
    expect(checkNorwegianId(fnr('280201', '123'), 'FNR').dateValid).toBe(true);
  });

  it('the century boundaries of the individnummer table', () => {
    // 500-749 with year 54-99 is 1854-1899: 1896 is a leap year, 1900 would not be.
    expect(checkNorwegianId(fnr('290296', '600'), 'FNR').dateValid).toBe(true);
    // 900-999 with year 40-99 is 1940-1999; 500-999 with year 00-39 is 2000-2039.
    expect(checkNorwegianId(fnr('290240', '950'), 'FNR').dateValid).toBe(true);
    expect(checkNorwegianId(fnr('290239', '950'), 'FNR').dateValid).toBe(false);
    expect(checkNorwegianId(fnr('290236', '500'), 'FNR').dateValid).toBe(true);
    expect(checkNorwegianId(fnr('290254', '749'), 'FNR').dateValid).toBe(false);
    expect(checkNorwegianId(fnr('290253', '749'), 'FNR').dateValid).toBe(true);
    // 750-899 with year 40-99 is in no range: the year is unknown, so 29 February is not refused.
    expect(checkNorwegianId(fnr('290241', '800'), 'FNR').dateValid).toBe(true);
    expect(checkNorwegianId(fnr('300241', '800'), 'FNR').dateValid).toBe(false);
    // Nor is 750-899 with year 54-99 (1800s are only 500-749), nor 500-899 with year 40-53.
    expect(checkNorwegianId(fnr('290255', '800'), 'FNR').dateValid).toBe(true);
    expect(checkNorwegianId(fnr('290245', '600'), 'FNR').dateValid).toBe(true);
    expect(checkNorwegianId(fnr('290255', '600'), 'FNR').dateValid).toBe(false);
  });

  it('month boundaries of the +40 and +80 shifts', () => {
    expect(checkNorwegianId(fnr('154099', '123'))).toMatchObject({ kind: 'FNR', dateValid: false });
    expect(checkNorwegianId(fnr('155299', '123'))).toMatchObject({ kind: 'HNR', dateValid: true, synthetic: false });
    expect(checkNorwegianId(fnr('155399', '123'))).toMatchObject({ kind: 'FNR', dateValid: false, synthetic: false });
    expect(checkNorwegianId(fnr('158099', '123'))).toMatchObject({ kind: 'FNR', dateValid: false, synthetic: false });
    expect(checkNorwegianId(fnr('159299', '123'))).toMatchObject({ kind: 'FNR', dateValid: true, synthetic: true });
    expect(checkNorwegianId(fnr('159399', '123'))).toMatchObject({ kind: 'FNR', dateValid: false, synthetic: false });
  });

  it('a felles hjelpenummer (first digit 8 or 9) is valid only with both control digits right, and has no date', () => {
    const fhn8 = complete('812345678')!;
    const fhn9 = complete('999999990') ?? complete('999999991')!;
    for (const fhn of [fhn8, fhn9]) {
      expect(checkNorwegianId(fhn)).toEqual({ kind: 'FHN', checksumValid: true, dateValid: true, synthetic: false, valid: true });
      expect(checkNorwegianId(fhn, 'FHN').valid).toBe(true);
      expect(checkNorwegianId(fhn, 'FNR').valid).toBe(false);
      const broken = fhn.slice(0, 10) + String((Number(fhn[10]) + 1) % 10);
      expect(checkNorwegianId(broken)).toEqual({ kind: 'FHN', checksumValid: false, dateValid: true, synthetic: false, valid: false });
      expect(isValidFhn(broken)).toBe(false);
    }
    // First digit 7 is a D-nummer (day 30-31 + 40), not an FHN.
    expect(checkNorwegianId(fnr('710199', '123')).kind).toBe('DNR');
  });

  it('reads the declared type case- and space-insensitively', () => {
    const dnr = fnr('550765', '005');
    expect(checkNorwegianId(dnr, ' dnr ').valid).toBe(true);
    expect(checkNorwegianId(fnr('158799', '123'), 'fnr').synthetic).toBe(true);
  });

  it('is not fooled by extra characters around eleven digits', () => {
    const good = fnr('150765', '005');
    for (const v of [` ${good}`, `${good} `, `${good}0`, `x${good.slice(1)}`, '']) {
      expect(checkNorwegianId(v)).toEqual({ kind: 'UNKNOWN', checksumValid: false, dateValid: false, synthetic: false, valid: false });
      expect(hasValidMod11(v)).toBe(false);
    }
  });

  it('knows which identifier types it can check', () => {
    expect(['FNR', 'DNR', 'HNR', 'FHN'].every(isCheckableIdType)).toBe(true);
    expect(['PNR', 'DUF', 'fnr', ''].some(isCheckableIdType)).toBe(false);
  });
});
