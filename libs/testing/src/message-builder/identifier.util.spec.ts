import fc from 'fast-check';
import { checkDigits, dnr, fhn, fnr, hasValidCheckDigits, hnr } from './identifier.util';

describe('identifier generators (HIS 1001)', () => {
  it('reproduce published test persons (Testaktører)', () => {
    expect(fnr('1965-07-15', 5)).toBe('15076500565');
    expect(fnr('1969-11-13', 2)).toBe('13116900216');
    expect(fnr('1964-01-21', 9)).toBe('21016400952');
    expect(fnr('1979-05-12', 4)).toBe('12057900499');
  });

  it('agree with the check-digit rule on known good and bad numbers', () => {
    expect(hasValidCheckDigits('45406500520')).toBe(true);
    expect(hasValidCheckDigits('25436000305')).toBe(false);
    expect(hasValidCheckDigits('1234')).toBe(false);
  });

  it('encode D- and H-numbers by the +4 rule', () => {
    const d = dnr('1965-07-15', 5);
    const h = hnr('1965-07-15', 5);
    expect(d.slice(0, 2)).toBe('55');
    expect(h.slice(2, 4)).toBe('47');
    expect(hasValidCheckDigits(d)).toBe(true);
    expect(hasValidCheckDigits(h)).toBe(true);
  });

  it('always produce valid numbers with the birth date encoded (property)', () => {
    const dates = fc
      .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2039-12-31T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(dates, (birthDate) => {
        const [y, m, d] = birthDate.split('-');
        const f = fnr(birthDate);
        expect(f).toMatch(/^\d{11}$/);
        expect(f.slice(0, 6)).toBe(`${d}${m}${y.slice(2)}`);
        expect(hasValidCheckDigits(f)).toBe(true);
        expect(hasValidCheckDigits(dnr(birthDate))).toBe(true);
        expect(hasValidCheckDigits(hnr(birthDate))).toBe(true);
      }),
    );
  });

  it('felles hjelpenummer is in range with valid check digits', () => {
    const n = fhn(812345678);
    expect(Number(n.slice(0, 9))).toBeGreaterThanOrEqual(812345678);
    expect(checkDigits(n.slice(0, 9))).toBe(n.slice(9));
  });

  it('reject impossible input without echoing it', () => {
    expect(() => fnr('1965-02-30')).toThrow('calendar date');
    expect(() => fnr('1965-07-15', 600)).toThrow('does not fit');
    expect(() => fnr('2065-01-01')).toThrow('outside');
  });
});
