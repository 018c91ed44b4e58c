import fc from 'fast-check';
import { isUuid, normalizeDecimal, normalizeDouble, parseBoolean } from './value-normalization.util';

/**
 * The canonical xs:decimal written out independently (XSD 1.1 Part 2, decimal canonical mapping):
 * the value as a scaled integer, printed without leading zeros (one zero before the point), without
 * trailing fraction zeros, without '+', and without a sign on zero.
 */
function canonical(sign: '' | '+' | '-', intDigits: string, fracDigits: string): string {
  const scaled = BigInt(`${intDigits}${fracDigits}` || '0');
  if (scaled === 0n) return '0';
  const digits = scaled.toString().padStart(fracDigits.length + 1, '0');
  const int = digits.slice(0, digits.length - fracDigits.length);
  const frac = digits.slice(digits.length - fracDigits.length).replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  return sign === '-' ? `-${body}` : body;
}

const digits = (max: number) => fc.array(fc.constantFrom(...'0123456789'), { maxLength: max }).map((d) => d.join(''));

describe('normalizeDecimal against the XSD canonical form', () => {
  it('gives the canonical form of every decimal, whatever zeros, sign and spaces it is sent with', () => {
    fc.assert(
      fc.property(fc.constantFrom('' as const, '+' as const, '-' as const), digits(6), digits(6), fc.boolean(), fc.constantFrom('', ' ', '\t '), (sign, int, frac, point, pad) => {
        fc.pre(int !== '' || frac !== '');
        const text = `${pad}${sign}${int}${point || frac ? `.${frac}` : ''}${pad}`;
        const warnings: string[] = [];
        expect(normalizeDecimal(text, 'x', (w) => warnings.push(w))).toBe(canonical(sign, int, frac));
        expect(warnings).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it('reads a comma as the decimal separator, with a warning naming the place only', () => {
    fc.assert(
      fc.property(digits(4), fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 4 }), (int, frac) => {
        const warnings: string[] = [];
        expect(normalizeDecimal(`${int},${frac}`, 'Tjeneste/AntallEnheter', (w) => warnings.push(w))).toBe(canonical('', int, frac));
        expect(warnings).toEqual(['Tjeneste/AntallEnheter: comma used as decimal separator, normalised']);
      }),
      { numRuns: 100 },
    );
  });

  it.each([
    ['10', '10'],
    ['100', '100'],
    ['1010.0100', '1010.01'],
    ['00.00', '0'],
    ['-0.0', '0'],
    ['-.5', '-0.5'],
    ['5.', '5'],
    ['0', '0'],
    ['-10', '-10'],
  ])('boundaries: %p -> %p', (input, expected) => {
    expect(normalizeDecimal(input, 'x', () => undefined)).toBe(expected);
  });

  it('refuses what is no decimal with a warning that does not echo the value', () => {
    for (const bad of ['-', '+', '.', '-.', '1.2.3', '1,5.2', '1,2,3', '1e3', '++1', '1-', 'x1', '1x', ',', '١']) {
      const warnings: string[] = [];
      expect(normalizeDecimal(bad, 'AntallEnheter', (w) => warnings.push(w))).toBeUndefined();
      expect(warnings.at(-1)).toBe('AntallEnheter: not an xs:decimal, ignored');
    }
    const none: string[] = [];
    expect([normalizeDecimal('', 'x', (w) => none.push(w)), normalizeDecimal('  ', 'x', (w) => none.push(w)), normalizeDecimal(undefined, 'x', (w) => none.push(w))]).toEqual([undefined, undefined, undefined]);
    expect(none).toEqual([]);
  });
});

describe('normalizeDouble', () => {
  it('keeps every xs:double lexical form as sent, trimmed', () => {
    for (const v of ['1', '1.', '.5', '-1.5e-3', '+2E+10', '1e5', 'INF', '+INF', '-INF', 'NaN', '0.0']) {
      const warnings: string[] = [];
      expect(normalizeDouble(` ${v} `, 'x', (w) => warnings.push(w))).toBe(v);
      expect(warnings).toEqual([]);
    }
  });

  it('fixes a comma decimal with a warning, and refuses what is no double', () => {
    const warnings: string[] = [];
    expect(normalizeDouble(',5', 'Vekt', (w) => warnings.push(w))).toBe('.5');
    expect(normalizeDouble('-2,25', 'Vekt', (w) => warnings.push(w))).toBe('-2.25');
    expect(warnings).toEqual(['Vekt: comma used as decimal separator, normalised', 'Vekt: comma used as decimal separator, normalised']);
    for (const bad of ['nan', 'inf', 'e5', '1e', '1e+', '.', '1,5e3', '2,', 'x1', '1x', '1.2.3', '--1', 'INFx']) {
      const w: string[] = [];
      expect(normalizeDouble(bad, 'Vekt', (x) => w.push(x))).toBeUndefined();
      expect(w.at(-1)).toBe('Vekt: not an xs:double, ignored');
    }
    expect([normalizeDouble('', 'x', () => undefined), normalizeDouble(undefined, 'x', () => undefined)]).toEqual([undefined, undefined]);
  });
});

describe('parseBoolean and isUuid', () => {
  it('warns about a value that is no xs:boolean without echoing it', () => {
    const warnings: string[] = [];
    expect(parseBoolean('ja', 'Privat', (w) => warnings.push(w))).toBeUndefined();
    expect(parseBoolean('TRUE', 'Privat', (w) => warnings.push(w))).toBeUndefined();
    expect(warnings).toEqual(['Privat: not an xs:boolean, ignored', 'Privat: not an xs:boolean, ignored']);
    expect(parseBoolean(' 0 ', 'x', () => undefined)).toBe(false);
  });

  it('accepts a UUID only as the whole value', () => {
    expect(isUuid(undefined)).toBe(false);
    expect(isUuid(' c9454120-068b-11e8-b566-0800200c9a66')).toBe(false);
    expect(isUuid('c9454120-068b-11e8-b566-0800200c9a66x')).toBe(false);
    expect(isUuid('g9454120-068b-11e8-b566-0800200c9a66')).toBe(false);
    expect(isUuid('c9454120-068b-11e8-b566-0800200c9a6')).toBe(false);
  });
});
