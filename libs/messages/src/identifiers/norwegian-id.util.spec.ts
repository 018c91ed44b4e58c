import { checkNorwegianId, hasValidMod11, isValidDnr, isValidFhn, isValidFnr, isValidHnr } from './norwegian-id.util';

describe('Norwegian identifiers (HIS 1001)', () => {
  it.each(['15076500565', '13116900216', '21016400952', '12057900499'])('accepts test person FNR %s', (fnr) => {
    expect(checkNorwegianId(fnr, 'FNR')).toEqual({ kind: 'FNR', checksumValid: true, dateValid: true, synthetic: false, valid: true });
    expect(isValidFnr(fnr)).toBe(true);
  });

  it('rejects the HNR 25436000305 on its first check digit', () => {
    expect(hasValidMod11('25436000305')).toBe(false);
    expect(checkNorwegianId('25436000305', 'HNR')).toMatchObject({ kind: 'HNR', checksumValid: false, dateValid: true, valid: false });
  });

  it('DNR 45406500520 passes the checksum but has no valid date', () => {
    expect(checkNorwegianId('45406500520', 'DNR')).toMatchObject({ kind: 'DNR', checksumValid: true, dateValid: false, valid: false });
    expect(isValidDnr('45406500520')).toBe(false);
  });

  it('detects a single changed digit or a swapped pair', () => {
    expect(isValidFnr('15076500566')).toBe(false);
    expect(isValidFnr('15076500655')).toBe(false);
    expect(isValidFnr('51076500565')).toBe(false);
  });

  it('rejects wrong length, non-digits and impossible dates', () => {
    expect(checkNorwegianId('1507650056').kind).toBe('UNKNOWN');
    expect(isValidFnr('1507650056a')).toBe(false);
    // 31 February with right control digits, so only the date can refuse it.
    const feb31 = withCheckDigits('310265005');
    expect(hasValidMod11(feb31)).toBe(true);
    expect(checkNorwegianId(feb31, 'FNR')).toMatchObject({ checksumValid: true, dateValid: false, valid: false });
  });

  it('classifies by digits: D-nummer (+4 on first digit), H-nummer (+4 on third), FHN (8/9)', () => {
    const dnr = withCheckDigits('550765005'); // 15 -> 55
    expect(checkNorwegianId(dnr)).toMatchObject({ kind: 'DNR', valid: true });
    const hnr = withCheckDigits('154765005'); // month 07 -> 47
    expect(checkNorwegianId(hnr)).toMatchObject({ kind: 'HNR', valid: true });
    expect(isValidHnr(hnr)).toBe(true);
    const fhn = withCheckDigits('812345678');
    expect(checkNorwegianId(fhn)).toMatchObject({ kind: 'FHN', dateValid: true, valid: true });
    expect(isValidFhn(fhn)).toBe(true);
  });

  it('accepts synthetic numbers as checksum-valid and classifies them', () => {
    const tenor = withCheckDigits('158765005'); // month +80
    expect(checkNorwegianId(tenor, 'FNR')).toMatchObject({ kind: 'FNR', synthetic: true, valid: true });
    const nav = withCheckDigits('154765005'); // month +40 declared as FNR = NAV synthetic, not an H-nummer
    expect(checkNorwegianId(nav, 'FNR')).toMatchObject({ kind: 'FNR', synthetic: true, valid: true });
  });

  it('a number that does not fit its declared type is invalid', () => {
    expect(checkNorwegianId('15076500565', 'DNR').valid).toBe(false);
    expect(checkNorwegianId('15076500565', 'HNR').valid).toBe(false);
  });

  it('uses the individnummer for the century (29 February)', () => {
    expect(checkNorwegianId(withCheckDigits('290200500'), 'FNR').dateValid).toBe(true); // 2000: leap year
    expect(checkNorwegianId(withCheckDigits('290200100'), 'FNR').dateValid).toBe(false); // 1900: not leap
  });
});

/** Appends the two mod-11 check digits, trying individnummer variations when one is impossible (k=10). */
function withCheckDigits(nine: string): string {
  for (let bump = 0; bump < 50; bump++) {
    const base = nine.slice(0, 6) + String(parseInt(nine.slice(6), 10) + bump).padStart(3, '0');
    const d = Array.from(base, Number);
    const k1 = mod11(d, [3, 7, 6, 1, 8, 9, 4, 5, 2]);
    if (k1 === undefined) continue;
    const k2 = mod11([...d, k1], [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    if (k2 === undefined) continue;
    return `${base}${k1}${k2}`;
  }
  throw new Error('no valid number');
}

function mod11(d: number[], w: number[]): number | undefined {
  const k = 11 - (w.reduce((s, wi, i) => s + wi * d[i], 0) % 11);
  return k === 11 ? 0 : k === 10 ? undefined : k;
}
