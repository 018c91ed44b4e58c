import { MappingContext } from '../mapping-context.util';
import { MessageException, MessageExceptionCode } from '../message.exception';
import { Party } from '../model/parsed-message.model';
import { TEST_UUID } from '../testing/message-fixtures.util';
import { NS } from '../xml/namespaces.constant';
import { parseXml } from '../xml/xml-tree.util';
import { BareMessageHeader, hasAnyIdentifier, readBareMessageHeader, requireSender } from './bare-message.reader';

const NS_E = NS.EPIKRISE_11;

interface HeaderParts {
  /** `null` leaves the element out. */
  type?: string | null;
  genDate?: string | null;
  msgId?: string | null;
  extra?: string;
}

/** The header elements of a bare Epikrise 1.1 Message. */
function message(parts: HeaderParts = {}): string {
  const type = parts.type === null ? '' : `<Type V="${parts.type ?? 'E'}"/>`;
  const genDate = parts.genDate === null ? '' : parts.genDate?.startsWith('<') ? parts.genDate : `<GenDate V="${parts.genDate ?? '2010-01-02T03:04:05'}"/>`;
  const msgId = parts.msgId === null ? '' : `<MsgId>${parts.msgId ?? TEST_UUID}</MsgId>`;
  return `<Message xmlns="${NS_E}">${type}<MIGversion>v1.1</MIGversion>${genDate}${msgId}${parts.extra ?? ''}</Message>`;
}

function newContext(): MappingContext & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, partial: {}, warn: (w) => void warnings.push(w) };
}

function read(xml: string, defaultType = 'EPIKRISE'): { header: BareMessageHeader; warnings: string[]; partial: MappingContext['partial'] } {
  const ctx = newContext();
  const header = readBareMessageHeader(parseXml(xml), NS_E, defaultType, ctx);
  return { header, warnings: ctx.warnings, partial: ctx.partial };
}

function readFailure(xml: string): { error: MessageException; partial: MappingContext['partial'] } {
  const ctx = newContext();
  try {
    readBareMessageHeader(parseXml(xml), NS_E, 'EPIKRISE', ctx);
  } catch (e) {
    expect(e).toBeInstanceOf(MessageException);
    return { error: e as MessageException, partial: ctx.partial };
  }
  throw new Error('expected a MessageException, the header was read');
}

describe('readBareMessageHeader', () => {
  it('reads Type, GenDate/@V and MsgId, mirrors them into the partial header, and has no status without Status', () => {
    const { header, warnings, partial } = read(message());
    expect(header).toStrictEqual({ msgId: TEST_UUID, msgType: 'EPIKRISE', genDate: '2010-01-02T03:04:05' });
    expect(partial).toStrictEqual({ msgId: TEST_UUID, msgType: 'EPIKRISE', genDate: '2010-01-02T03:04:05' });
    expect(warnings).toEqual([]);
  });

  it.each([
    ['E', 'EPIKRISE', 'EPIKRISE'],
    ['e', 'EPIKRISE', 'EPIKRISE'],
    ['H', 'HENVISNING', 'HENVISNING'],
    ['h', 'HENVISNING', 'HENVISNING'],
  ])('the single-letter Type %s of the old versions (HISD 1209:2018) is %s', (letter, expected, defaultType) => {
    const { header, warnings } = read(message({ type: letter }), defaultType);
    expect(header.msgType).toBe(expected);
    expect(warnings).toEqual([]);
  });

  it('without Type the message has the default type of its namespace (Epikrise 1.0)', () => {
    expect(read(message({ type: null })).header.msgType).toBe('EPIKRISE');
  });

  it('another type is kept as sent with a warning naming it (cut to 40 characters)', () => {
    const letter = read(message({ type: 'X' }));
    expect(letter.header.msgType).toBe('X');
    expect(letter.warnings).toEqual(["Message/Type 'X' is unusual for this namespace"]);
    const h = read(message({ type: 'H' }));
    expect(h.header.msgType).toBe('HENVISNING');
    expect(h.warnings).toEqual(["Message/Type 'HENVISNING' is unusual for this namespace"]);
    const long = `EPIKRISE_${'X'.repeat(50)}`;
    const longer = read(message({ type: long }));
    expect(longer.header.msgType).toBe(long);
    expect(longer.warnings).toEqual([`Message/Type '${long.slice(0, 40)}' is unusual for this namespace`]);
  });

  it('GenDate as element text is read too', () => {
    expect(read(message({ genDate: '<GenDate>2010-01-02</GenDate>' })).header.genDate).toBe('2010-01-02');
  });

  it('Status/@V is the processing status', () => {
    expect(read(message({ extra: '<Status V="T"/>' })).header).toStrictEqual({
      msgId: TEST_UUID,
      msgType: 'EPIKRISE',
      genDate: '2010-01-02T03:04:05',
      processingStatus: 'T',
    });
  });

  it('a missing MsgId → INVALID_MSG_ID saying so, before a missing GenDate; type and date are in the partial header', () => {
    const { error, partial } = readFailure(message({ msgId: null }));
    expect(error.code).toBe(MessageExceptionCode.INVALID_MSG_ID);
    expect(error.message).toBe('Message/MsgId is missing or empty');
    expect(partial).toStrictEqual({ msgType: 'EPIKRISE', genDate: '2010-01-02T03:04:05' });
    expect(readFailure(message({ msgId: null, genDate: null })).error.code).toBe(MessageExceptionCode.INVALID_MSG_ID);
  });

  it('a MsgId with a control character → INVALID_MSG_ID', () => {
    const { error } = readFailure(message({ msgId: 'a&#9;b' }));
    expect(error.message).toBe('Message/MsgId contains a control character');
  });

  it('a missing GenDate → SCHEMA_VIOLATION; the MsgId in the partial header is cut after 100 characters', () => {
    const { error, partial } = readFailure(message({ genDate: null, msgId: `${'x'.repeat(100)}yz` }));
    expect(error.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(error.message).toBe('Message/GenDate is missing');
    expect(partial).toStrictEqual({ msgType: 'EPIKRISE', msgId: `${'x'.repeat(100)}…` });
    expect(readFailure(message({ genDate: null, msgId: 'y'.repeat(100) })).partial.msgId).toBe('y'.repeat(100));
  });
});

describe('hasAnyIdentifier / requireSender', () => {
  const id = [{ type: 'HER', id: '1' }];
  const cases: Array<[string, Party, boolean]> = [
    ['nothing', { organisation: [] }, false],
    ['a level without identifiers', { organisation: [{ name: 'Inst' }, { identifiers: [] }] }, false],
    ['a person without identifiers', { organisation: [], healthcareProfessional: { name: 'Lege', identifiers: [] } }, false],
    ['an identifier on a later level', { organisation: [{ name: 'Inst' }, { identifiers: id }] }, true],
    ['an identified person only', { organisation: [], healthcareProfessional: { identifiers: id } }, true],
  ];

  it.each(cases)('%s → %s', (_label, party, expected) => {
    expect(hasAnyIdentifier(party)).toBe(expected);
  });

  it('requireSender throws SENDER_MISSING naming the element only when nothing identifies the party', () => {
    const party: Party = { organisation: [{ name: 'Legekontoret Hansen' }], healthcareProfessional: { name: 'Kari Hansen' } };
    let error: unknown;
    try {
      requireSender(party, 'ServRprt/ServProvider');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MessageException);
    expect(error).toMatchObject({
      code: MessageExceptionCode.SENDER_MISSING,
      message: 'ServRprt/ServProvider has no institution or person with an identifier',
    });
    expect(() => requireSender({ organisation: [], healthcareProfessional: { identifiers: id } }, 'X')).not.toThrow();
  });
});
