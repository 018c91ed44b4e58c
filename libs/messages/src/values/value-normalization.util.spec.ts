import { isCodeSystemMismatch, normalizeCode } from '../diagnoses/diagnosis.util';
import { isUuid, lookup, normalizeDecimal, normalizeDouble, parseBoolean } from './value-normalization.util';

describe('value normalisation', () => {
  const warnings: string[] = [];
  const warn = (w: string): void => {
    warnings.push(w);
  };
  beforeEach(() => warnings.splice(0));

  it.each([
    ['2', '2'],
    ['0.5', '0.5'],
    ['.5', '0.5'],
    ['+1.50', '1.5'],
    ['2.0', '2'],
    ['007', '7'],
    [' 3 ', '3'],
    ['-0.25', '-0.25'],
    ['-0', '0'],
  ])('decimal %p → %p', (input, expected) => {
    expect(normalizeDecimal(input, 'x', warn)).toBe(expected);
    expect(warnings).toEqual([]);
  });

  it('decimal: comma accepted with a warning; garbage and empty are absent', () => {
    expect(normalizeDecimal('0,5', 'AntallEnheter', warn)).toBe('0.5');
    expect(warnings).toEqual(['AntallEnheter: comma used as decimal separator, normalised']);
    expect(normalizeDecimal('to', 'x', warn)).toBeUndefined();
    expect(normalizeDecimal('.', 'x', warn)).toBeUndefined();
    expect(normalizeDecimal('1e3', 'x', warn)).toBeUndefined();
    expect(normalizeDecimal('', 'x', warn)).toBeUndefined();
    expect(normalizeDecimal(undefined, 'x', warn)).toBeUndefined();
  });

  it('double keeps the lexical form', () => {
    expect(normalizeDouble('1E1', 'x', warn)).toBe('1E1');
    expect(normalizeDouble('INF', 'x', warn)).toBe('INF');
    expect(normalizeDouble('2,5', 'x', warn)).toBe('2.5');
    expect(normalizeDouble('abc', 'x', warn)).toBeUndefined();
  });

  it('booleans: true/false/1/0, empty = absent, anything else absent with warning', () => {
    expect(['true', 'false', '1', '0', ' true ', '', undefined].map((v) => parseBoolean(v, 'x', warn))).toEqual([true, false, true, false, true, undefined, undefined]);
    expect(warnings).toEqual([]);
    expect(parseBoolean('ja', 'x', warn)).toBeUndefined();
    expect(warnings).toHaveLength(1);
  });

  it('uuid', () => {
    expect(isUuid('c9454120-068b-11e8-b566-0800200c9a66')).toBe(true);
    expect(isUuid('C9454120-068B-11E8-B566-0800200C9A66')).toBe(true);
    expect(isUuid('fe6225205b3d3049e5f600a44a34ca77')).toBe(false);
    expect(isUuid('{c9454120-068b-11e8-b566-0800200c9a66}')).toBe(false);
  });

  it('lookup ignores Object.prototype', () => {
    expect(lookup({ a: 1 }, 'a')).toBe(1);
    expect(lookup({ a: 1 }, 'constructor')).toBeUndefined();
    expect(lookup({ a: 1 }, '__proto__')).toBeUndefined();
  });

  it('diagnosis codes: normalisation and code-system format checks', () => {
    expect(normalizeCode('i50.9')).toBe('I509');
    expect(normalizeCode('C03C A01')).toBe('C03CA01');
    expect(isCodeSystemMismatch('2.16.578.1.12.4.1.1.7110', 'I509')).toBe(false);
    expect(isCodeSystemMismatch('2.16.578.1.12.4.1.1.7110', 'S72X')).toBe(false);
    expect(isCodeSystemMismatch('2.16.578.1.12.4.1.1.7110', '509')).toBe(true);
    expect(isCodeSystemMismatch('2.16.578.1.12.4.1.1.7170', 'K77')).toBe(false);
    expect(isCodeSystemMismatch('2.16.578.1.12.4.1.1.7170', 'I509')).toBe(true);
    expect(isCodeSystemMismatch('2.16.578.1.12.4.1.1.7180', 'C61')).toBe(true);
    expect(isCodeSystemMismatch('2.16.578.1.12.4.1.1.7160', 'whatever')).toBe(false);
  });
});
