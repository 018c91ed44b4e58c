import { MappingContext, noFacts, readDocumentStatus, schemaViolation } from './mapping-context.util';
import { MessageException, MessageExceptionCode } from './message.exception';

function newContext(): MappingContext & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, partial: {}, warn: (w) => void warnings.push(w) };
}

function thrown(fn: () => unknown): MessageException {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MessageException);
    return e as MessageException;
  }
  throw new Error('expected a MessageException');
}

describe('schemaViolation', () => {
  it('throws SCHEMA_VIOLATION with the reason as message', () => {
    expect(thrown(() => schemaViolation('X/Y is missing'))).toMatchObject({ code: MessageExceptionCode.SCHEMA_VIOLATION, message: 'X/Y is missing' });
  });
});

describe('readDocumentStatus (code list 7309)', () => {
  it.each([
    ['N', 'N'],
    ['M', 'M'],
    ['C', 'C'],
    ['n', 'N'],
    ['c', 'C'],
  ])('%s is %s without a warning', (value, expected) => {
    const ctx = newContext();
    expect(readDocumentStatus(value, 'Forsendelsesstatus', ctx)).toBe(expected);
    expect(ctx.warnings).toEqual([]);
  });

  it.each([
    ['A', 'A'],
    ['h', 'H'],
  ])('%s is accepted as %s with a warning: HISD 1154 allows only N, M and C', (value, expected) => {
    const ctx = newContext();
    expect(readDocumentStatus(value, 'ServRprt/ServType', ctx)).toBe(expected);
    expect(ctx.warnings).toEqual([`ServRprt/ServType is '${expected}'; only N, M and C are allowed by HISD 1154`]);
  });

  it('a missing status → SCHEMA_VIOLATION naming the field and the code list', () => {
    expect(thrown(() => readDocumentStatus(undefined, 'Forsendelsesstatus', newContext())).message).toBe('Forsendelsesstatus (code list 7309) is missing');
  });

  it('an unknown status → SCHEMA_VIOLATION naming the field and at most 10 characters of the value', () => {
    const e = thrown(() => readDocumentStatus('E', 'Forsendelsesstatus', newContext()));
    expect(e.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(e.message).toBe("Forsendelsesstatus has unsupported value 'E' (expected N, M or C)");
    expect(thrown(() => readDocumentStatus('NMCNMCNMCNMCNMC', 'Henvisning/ServType', newContext())).message).toBe(
      "Henvisning/ServType has unsupported value 'NMCNMCNMCN' (expected N, M or C)",
    );
  });
});

describe('noFacts', () => {
  it('has the given status and nothing else to project', () => {
    expect(noFacts(null)).toStrictEqual({ status: null, services: [], serviceNeeds: [], diagnoses: [], patientEvents: [] });
    expect(noFacts('M').status).toBe('M');
  });
});
