import { diagnosesWithModifiers, diagnosisFromCode, isCodeSystemMismatch, normalizeCode } from './diagnoses/diagnosis.util';
import { assertPatientIdentified, isUsablePatientIdentifier } from './identifiers/patient-identification.util';
import { noFacts, readDocumentStatus, schemaViolation } from './mapping-context.util';
import { assertUnreachable } from '@hub/exceptions';
import { appRecErrorCode, MessageException, MessageExceptionCode } from './message.exception';
import type { ParsedMessage } from './model/parsed-message.model';
import type { XmlElement } from './xml/xml-element.model';
import { attr, child, childText, childV, children, coded, firstChildElement, path, text, timeValue } from './xml/xml-navigation.util';

const ICD10 = '2.16.578.1.12.4.1.1.7110';
const ICPC2 = '2.16.578.1.12.4.1.1.7170';
const ICPC2B = '2.16.578.1.12.4.1.1.7171';
const ATC = '2.16.578.1.12.4.1.1.7180';

const el = (name: string, o: Partial<XmlElement> = {}): XmlElement => ({ ns: 'n', name, attrs: {}, children: [], text: '', ...o });

function thrown(f: () => unknown): MessageException {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MessageException);
    return e as MessageException;
  }
  throw new Error('expected a MessageException');
}

describe('AppRec error codes (code list 8221) for each refusal', () => {
  it('answers each refusal with its 8221 code', () => {
    expect(Object.values(MessageExceptionCode).map((c) => [c, appRecErrorCode(c)])).toEqual([
      ['MESSAGE.NOT_WELL_FORMED', 'T01'],
      ['MESSAGE.UNSUPPORTED_FORMAT', 'T10'],
      ['MESSAGE.SCHEMA_VIOLATION', 'T02'],
      ['MESSAGE.INVALID_MSG_ID', 'E10'],
      ['MESSAGE.MSG_ID_REUSED', 'E10'],
      ['MESSAGE.PATIENT_ID_MISSING', 'E30'],
      ['MESSAGE.PATIENT_ID_INVALID', 'E31'],
      ['MESSAGE.SENDER_MISSING', 'X99'],
      ['MESSAGE.UNKNOWN_RECEIVER', 'E21'],
      ['MESSAGE.TOO_LARGE', 'T99'],
    ]);
    expect(() => appRecErrorCode('MESSAGE.OTHER' as MessageExceptionCode)).toThrow('Unhandled message error code: MESSAGE.OTHER');
    expect(() => assertUnreachable('x' as never)).toThrow('Unhandled value: x');
  });

  it('carries code, partial header and cause', () => {
    const cause = new Error('inner');
    const e = new MessageException(MessageExceptionCode.SCHEMA_VIOLATION, 'why', { msgId: 'm' }, { cause });
    expect([e.name, e.code, e.message, e.partial, e.cause]).toEqual(['MessageException', 'MESSAGE.SCHEMA_VIOLATION', 'why', { msgId: 'm' }, cause]);
    expect(thrown(() => schemaViolation('MsgInfo is missing'))).toMatchObject({ code: MessageExceptionCode.SCHEMA_VIOLATION, message: 'MsgInfo is missing' });
  });
});

describe('readDocumentStatus (code list 7309)', () => {
  const read = (v: string | undefined) => {
    const warnings: string[] = [];
    const status = readDocumentStatus(v, 'Forsendelsesstatus', { warn: (w) => warnings.push(w), partial: {} });
    return { status, warnings };
  };

  it('accepts N, M and C silently, in any case; A and H with a warning', () => {
    expect(['N', 'M', 'C', 'n', 'm', 'c'].map((v) => read(v))).toEqual(['N', 'M', 'C', 'N', 'M', 'C'].map((status) => ({ status, warnings: [] })));
    expect(read('A')).toEqual({ status: 'A', warnings: ["Forsendelsesstatus is 'A'; only N, M and C are allowed by HISD 1154"] });
    expect(read('h')).toEqual({ status: 'H', warnings: ["Forsendelsesstatus is 'H'; only N, M and C are allowed by HISD 1154"] });
  });

  it('refuses a missing or unknown status as a schema violation, echoing at most ten characters', () => {
    expect(thrown(() => read(undefined))).toMatchObject({ code: MessageExceptionCode.SCHEMA_VIOLATION, message: 'Forsendelsesstatus (code list 7309) is missing' });
    expect(thrown(() => read('E')).message).toBe("Forsendelsesstatus has unsupported value 'E' (expected N, M or C)");
    expect(thrown(() => read('13116900216xyz')).message).toBe("Forsendelsesstatus has unsupported value '1311690021' (expected N, M or C)");
    expect(thrown(() => read('')).code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
  });

  it('a payload without facts has the given status and nothing else', () => {
    expect(noFacts('N')).toEqual({ status: 'N', services: [], serviceNeeds: [], diagnoses: [], patientEvents: [] });
  });
});

describe('diagnosis codes', () => {
  it('normalises case, dots, spaces and dagger/asterisk marks, nothing else', () => {
    expect(normalizeCode(' a01.2*†+ b\t')).toBe('A012B');
    expect(normalizeCode('Z-99')).toBe('Z-99');
  });

  it('judges the code shape per code system, over the whole code', () => {
    const cases: Array<[string | undefined, string, boolean]> = [
      [ICD10, 'A01', false], [ICD10, 'A01B2', false], [ICD10, 'A0', true], [ICD10, '1A01', true], [ICD10, 'A01-', true], [ICD10, 'AA01', true],
      [ICPC2, 'K77', false], [ICPC2, 'K771', true], [ICPC2, 'XK77', true], [ICPC2, 'K7', true],
      [ICPC2B, 'K77', false], [ICPC2B, 'K77A1', false], [ICPC2B, 'K7', true], [ICPC2B, 'K77-', true], [ICPC2B, '1K77', true],
      [ATC, 'C61', true], [undefined, '???', false], ['2.16.578.1.12.4.1.1.9999', '???', false],
    ];
    expect(cases.map(([s, c]) => isCodeSystemMismatch(s, c))).toEqual(cases.map(([, , m]) => m));
  });

  it('builds a fact from a CV: code, normalised code, mismatch, display, text and dates', () => {
    expect(diagnosisFromCode({ v: 'j18.9', s: ICD10, dn: 'Pneumoni', ot: 'orig' }, { context: 'EPIKRISE', isMain: 'true', text: 't', startDate: 's', endDate: 'e', modifierOf: 'X' })).toEqual({
      isMain: 'true', context: 'EPIKRISE', codeSystemOid: ICD10, code: 'j18.9', normalizedCode: 'J189', codeSystemMismatch: false, display: 'Pneumoni', text: 't', startDate: 's', endDate: 'e', modifierOf: 'X',
    });
    // The original text stands in for a missing display; a text alone is a fact; nothing at all is none.
    expect(diagnosisFromCode({ ot: 'fritekst' }, { context: 'PLO', isMain: 'unknown' })).toEqual({ isMain: 'unknown', context: 'PLO', display: 'fritekst' });
    expect(diagnosisFromCode(undefined, { context: 'PLO', isMain: 'false', text: 'uro' })).toEqual({ isMain: 'false', context: 'PLO', text: 'uro' });
    expect(diagnosisFromCode({ dn: 'only display', s: ICD10 }, { context: 'PLO', isMain: 'false' })).toBeUndefined();
    expect(diagnosisFromCode(undefined, { context: 'PLO', isMain: 'false' })).toBeUndefined();
    expect(diagnosisFromCode({ v: 'C61', s: ATC }, { context: 'PLO', isMain: 'false' })?.codeSystemMismatch).toBe(true);
  });

  it('adds each asterisk code of Modifier S as a fact of its own, never main', () => {
    const cv = (name: string, attrs: Record<string, string>) => el(name, { attrs });
    const holder = el('Diagnosis', {
      children: [
        cv('Concept', { V: 'A17.0', S: ICD10, DN: 'Tuberkuløs meningitt' }),
        el('Modifier', { children: [cv('Name', { V: 's' }), cv('Value', { V: 'G01', S: ICD10 }), cv('Value', { DN: 'no code' })] }),
        el('Modifier', { children: [cv('Name', { V: 'X' }), cv('Value', { V: 'G02', S: ICD10 })] }),
        el('Modifier', { children: [cv('Value', { V: 'G03', S: ICD10 })] }),
      ],
    });
    const facts = diagnosesWithModifiers(holder, 'n', { context: 'HENVISNING', isMain: 'true', text: 'fritekst', startDate: '2024-01-01', endDate: '2024-02-01' });
    expect(facts).toEqual([
      { isMain: 'true', context: 'HENVISNING', codeSystemOid: ICD10, code: 'A17.0', normalizedCode: 'A170', codeSystemMismatch: false, display: 'Tuberkuløs meningitt', text: 'fritekst', startDate: '2024-01-01', endDate: '2024-02-01' },
      { isMain: 'false', context: 'HENVISNING', codeSystemOid: ICD10, code: 'G01', normalizedCode: 'G01', codeSystemMismatch: false, startDate: '2024-01-01', endDate: '2024-02-01', modifierOf: 'A170' },
    ]);
    expect(diagnosesWithModifiers(el('Diagnosis', { children: [el('Modifier')] }), 'n', { context: 'HENVISNING', isMain: 'true' })).toEqual([]);
  });
});

describe('XML navigation', () => {
  const tree = el('Root', {
    children: [
      el('A', { ns: 'other', text: 'wrong namespace' }),
      el('A', { text: '  first  ', attrs: { V: ' v1 ', DN: '', S: ' ' } }),
      el('A', { text: 'second', children: [el('B', { children: [el('C', { text: 'deep' })] })] }),
      el('T', { text: ' 2024-01-01 ' }),
      el('E', { text: '   ' }),
    ],
  });

  it('finds children by namespace and local name, in document order', () => {
    expect(child(tree, 'n', 'A')?.text).toBe('  first  ');
    expect(child(tree, ['x', 'other'], 'A')?.text).toBe('wrong namespace');
    expect(children(tree, 'n', 'A').map((c) => c.text)).toEqual(['  first  ', 'second']);
    expect(children(tree, ['n', 'other'], 'A')).toHaveLength(3);
    expect([child(undefined, 'n', 'A'), children(undefined, 'n', 'A'), child(tree, 'n', 'Z')]).toEqual([undefined, [], undefined]);
    expect(path(tree, 'n', 'A', 'B', 'C')).toBeUndefined(); // the first A has no B: path takes the first match at each step
    expect(path(children(tree, 'n', 'A')[1], 'n', 'B', 'C')?.text).toBe('deep');
    expect(path(tree, 'n')).toBe(tree);
    expect(firstChildElement(tree)?.ns).toBe('other');
    expect(firstChildElement(undefined)).toBeUndefined();
  });

  it('reads trimmed text and attributes, empty ones as absent', () => {
    expect([childText(tree, 'n', 'A'), childText(tree, 'n', 'E'), text(undefined)]).toEqual(['first', undefined, undefined]);
    const a = child(tree, 'n', 'A');
    expect([attr(a, 'V'), attr(a, 'DN'), attr(a, 'S'), attr(a, 'OT'), attr(undefined, 'V')]).toEqual(['v1', undefined, undefined, undefined, undefined]);
    expect(coded(a)).toEqual({ v: 'v1', dn: undefined, s: undefined, ot: undefined });
    expect(coded(el('X', { attrs: { OT: 'o' } }))).toEqual({ v: undefined, dn: undefined, s: undefined, ot: 'o' });
    expect(coded(el('X', { attrs: { DN: 'd' } }))?.dn).toBe('d');
    expect(coded(el('X', { attrs: { S: 's' } }))?.s).toBe('s');
    expect([coded(el('X', { attrs: { V: ' ' } })), coded(undefined)]).toEqual([undefined, undefined]);
    expect(childV(tree, 'n', 'A')).toBe('v1');
    expect([timeValue(child(tree, 'n', 'A')), timeValue(child(tree, 'n', 'T')), timeValue(undefined)]).toEqual(['v1', '2024-01-01', undefined]);
  });
});

describe('assertPatientIdentified (E30 / E31)', () => {
  // PLO: a standard whose messages must name their patient (a Dialogmelding need not, #12).
  const message = (identifiers: Array<{ type: string; value: string; valid?: boolean }> | undefined, standard = 'PLO') =>
    ({ standard, msgId: 'm', msgType: 'T', genDate: 'g', payloadNamespace: 'ns', patient: identifiers ? { identifiers } : undefined }) as unknown as ParsedMessage;

  it('lets a Dialogmelding name no patient, and still refuses one whose every identifier is unusable', () => {
    expect(() => assertPatientIdentified(message(undefined, 'DIALOG'))).not.toThrow();
    expect(thrown(() => assertPatientIdentified(message([{ type: 'FNR', value: '13116900217', valid: false }], 'DIALOG'))).code).toBe(MessageExceptionCode.PATIENT_ID_INVALID);
  });

  it('refuses a message without a patient or identifiers (E30), naming what it could read', () => {
    for (const m of [message(undefined), message([])]) {
      const e = thrown(() => assertPatientIdentified(m));
      expect([e.code, e.message, e.partial]).toEqual([MessageExceptionCode.PATIENT_ID_MISSING, 'The message has no patient identifier', { msgId: 'm', msgType: 'T', genDate: 'g', namespace: 'ns' }]);
    }
  });

  it('refuses when no identifier is usable (E31), naming the types once each and never a value', () => {
    const e = thrown(() => assertPatientIdentified(message([
      { type: 'FNR', value: '13116900217', valid: false },
      { type: 'FNR', value: '13116900218', valid: false },
      { type: 'D<N>R "x"', value: '41116900219', valid: false },
      { type: 'DUF', value: '   ' },
      { type: 'AVERYLONGTYPENAME', value: '', valid: true },
    ])));
    expect(e.code).toBe(MessageExceptionCode.PATIENT_ID_INVALID);
    expect(e.message).toBe('No valid patient identifier: every identifier (FNR, DNRx, DUF, AVERYLONGT) fails its checksum, date or type rules');
    expect(e.partial).toEqual({ msgId: 'm', msgType: 'T', genDate: 'g', namespace: 'ns' });
  });

  it('accepts a message with one usable identifier among unusable ones', () => {
    expect(() => assertPatientIdentified(message([{ type: 'HNR', value: '1', valid: false }, { type: 'FNR', value: '13116900216', valid: true }]))).not.toThrow();
    expect(() => assertPatientIdentified(message([{ type: 'DUF', value: '123' }]))).not.toThrow();
    expect([isUsablePatientIdentifier({ type: 'X', value: ' 1 ' }), isUsablePatientIdentifier({ type: 'X', value: ' ' }), isUsablePatientIdentifier({ type: 'FNR', value: '1', valid: false })]).toEqual([true, false, false]);
  });
});
