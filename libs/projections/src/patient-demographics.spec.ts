import fc from 'fast-check';
import { demographicsOf, mergeDemographics, PatientDemographics } from './patient-demographics';

const message = fc.record({
  genDate: fc.constantFrom('2024-01-01T08:00:00', '2024-01-01T09:30:00', '2024-02-01', '2024-02-01T00:00:00', '2024-03-15T12:00:00'),
  familyName: fc.option(fc.constantFrom('Hansen', 'Olsen', 'Ås', 'Berg-Hansen'), { nil: null }),
  givenName: fc.option(fc.constantFrom('Kari', 'Ola', 'Åse'), { nil: null }),
  birthDate: fc.option(fc.constantFrom('1950-01-01', '1951-06-30'), { nil: null }),
  sex: fc.option(fc.constantFrom('1', '2'), { nil: null }),
  identifierTypes: fc.subarray(['FNR', 'DNR', 'HNR']),
});
type Message = typeof message extends fc.Arbitrary<infer T> ? T : never;

const of = (m: Message) => demographicsOf({ pseudonym: 'p', ...m }, m.genDate);
const fold = (messages: Message[]) => messages.map(of).reduce((a, b) => mergeDemographics(a, b));

describe('patient demographics merge', () => {
  it('gives the same demographics in every arrival order (live, rebuild and late deliveries agree)', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 8 }).chain((ms) => fc.tuple(fc.constant(ms), fc.shuffledSubarray(ms, { minLength: ms.length, maxLength: ms.length }))),
        ([messages, shuffled]) => {
          expect(fold(shuffled)).toEqual(fold(messages));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('merging a message again changes nothing (a redelivered event)', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 6 }), fc.nat(), (messages, i) => {
        const once = fold(messages);
        expect(mergeDemographics(once, of(messages[i % messages.length]))).toEqual(once);
      }),
    );
  });

  it('takes the names of the newest message that has names, whatever came before or after', () => {
    const older = { genDate: '2024-01-01', familyName: 'Old', givenName: 'Kari', birthDate: '1950-01-01', sex: '2', identifierTypes: ['FNR'] };
    const newer = { genDate: '2024-02-01', familyName: 'New', givenName: 'Kari', birthDate: null, sex: null, identifierTypes: ['HNR'] };
    const newestUnnamed = { genDate: '2024-03-01', familyName: null, givenName: null, birthDate: null, sex: null, identifierTypes: ['FNR'] };
    const expected: PatientDemographics = {
      pseudonym: 'p', familyName: 'New', givenName: 'Kari', namesGenDate: '2024-02-01', birthDate: '1950-01-01', sex: '2',
      identifierTypes: ['FNR', 'HNR'], lastGenDate: '2024-03-01',
    };
    // The order that used to keep "Old": the unnamed newest one first, then the named newer one late.
    expect(fold([older, newestUnnamed, newer])).toEqual(expected);
    expect(fold([newer, older, newestUnnamed])).toEqual(expected);
    expect(fold([newestUnnamed, newer, older])).toEqual(expected);
  });

  it('a message with only a family name replaces both names (names travel as one pair)', () => {
    const full = { genDate: '2024-01-01', familyName: 'Hansen', givenName: 'Kari', birthDate: null, sex: null, identifierTypes: [] };
    const familyOnly = { genDate: '2024-02-01', familyName: 'Olsen', givenName: null, birthDate: null, sex: null, identifierTypes: [] };
    expect(fold([full, familyOnly])).toMatchObject({ familyName: 'Olsen', givenName: null, namesGenDate: '2024-02-01' });
  });

  it('a patient no message named has no names and no names date', () => {
    expect(fold([{ genDate: '2024-01-01', familyName: null, givenName: null, birthDate: null, sex: null, identifierTypes: ['DNR'] }])).toMatchObject({
      familyName: null, givenName: null, namesGenDate: null, identifierTypes: ['DNR'],
    });
  });

  it('lists identifier types once each, sorted, from a single message too', () => {
    expect(demographicsOf({ pseudonym: 'p', familyName: null, givenName: 'Kari', birthDate: null, sex: null, identifierTypes: ['HNR', 'DNR', 'HNR'] }, '2024-01-01')).toEqual({
      pseudonym: 'p', familyName: null, givenName: 'Kari', namesGenDate: '2024-01-01', birthDate: null, sex: null, identifierTypes: ['DNR', 'HNR'], lastGenDate: '2024-01-01',
    });
  });

  it('keeps the first birth date and sex in sort order whichever message brings them, and the newest GenDate', () => {
    const a = demographicsOf({ pseudonym: 'p', familyName: null, givenName: null, birthDate: '1951-01-01', sex: '2', identifierTypes: [] }, '2024-02-01');
    const b = demographicsOf({ pseudonym: 'p', familyName: null, givenName: null, birthDate: '1950-01-01', sex: '1', identifierTypes: [] }, '2024-01-01');
    for (const merged of [mergeDemographics(a, b), mergeDemographics(b, a)]) {
      expect(merged).toMatchObject({ birthDate: '1950-01-01', sex: '1', lastGenDate: '2024-02-01', namesGenDate: null });
    }
  });

  it('on equal GenDates takes the greater name pair, a given name over none', () => {
    const named = (familyName: string | null, givenName: string | null) => demographicsOf({ pseudonym: 'p', familyName, givenName, birthDate: null, sex: null, identifierTypes: [] }, '2024-01-01');
    for (const [x, y, expected] of [
      [named('Berg', 'Kari'), named('Aas', 'Kari'), ['Berg', 'Kari']],
      [named('Berg', null), named('Berg', 'Kari'), ['Berg', 'Kari']],
      [named(null, 'Kari'), named('Aas', null), ['Aas', null]],
    ] as const) {
      expect([mergeDemographics(x, y), mergeDemographics(y, x)].map((m) => [m.familyName, m.givenName])).toEqual([expected, expected]);
    }
  });
});
