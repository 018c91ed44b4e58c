import { MappingContext } from '../mapping-context.util';
import { MessageException, MessageExceptionCode } from '../message.exception';
import { ident, patientXml, TEST_FNR, TEST_UUID } from '../testing/message-fixtures.util';
import { NS } from '../xml/namespaces.constant';
import { parseXml } from '../xml/xml-tree.util';
import { MsgHeadEnvelope, readMsgHead } from './msghead.reader';

const SENDER = `<Sender><Organisation><OrganisationName>Alvdal kommune</OrganisationName>${ident('99387', 'HER')}</Organisation></Sender>`;
const RECEIVER = `<Receiver><Organisation><OrganisationName>Legesenter</OrganisationName>${ident('91096', 'HER')}</Organisation></Receiver>`;
const PAYLOAD_DOC = `<Document><RefDoc><MsgType V="XML"/><Content><Notat xmlns="urn:payload-1"/></Content></RefDoc></Document>`;

interface InfoParts {
  /** `null` leaves the element out. */
  type?: string | null;
  genDate?: string | null;
  msgId?: string | null;
  sender?: string;
  receiver?: string;
  /** Placed after Receiver (OtherReceiver, Patient). */
  rest?: string;
  /** Placed before Sender (ProcessingStatus, ConversationRef). */
  beforeSender?: string;
}

/** A MsgHead 1.2 document built element by element, so each test changes exactly one thing. */
function msgHeadXml(info: InfoParts = {}, documents = PAYLOAD_DOC): string {
  const type = info.type === null ? '' : `<Type V="${info.type ?? 'DIALOG_NOTAT'}"/>`;
  const genDate = info.genDate === null ? '' : `<GenDate>${info.genDate ?? '2024-03-01T10:00:00'}</GenDate>`;
  const msgId = info.msgId === null ? '' : `<MsgId>${info.msgId ?? TEST_UUID}</MsgId>`;
  return `<MsgHead xmlns="${NS.MSGHEAD}"><MsgInfo>${type}<MIGversion>v1.2 2006-05-24</MIGversion>${genDate}${msgId}${info.beforeSender ?? ''}${
    info.sender ?? SENDER
  }${info.receiver ?? RECEIVER}${info.rest ?? ''}</MsgInfo>${documents}</MsgHead>`;
}

function newContext(): MappingContext & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, partial: {}, warn: (w) => void warnings.push(w) };
}

function read(xml: string): { head: MsgHeadEnvelope; warnings: string[] } {
  const ctx = newContext();
  return { head: readMsgHead(parseXml(xml), ctx), warnings: ctx.warnings };
}

function readFailure(xml: string): { error: MessageException; partial: MappingContext['partial'] } {
  const ctx = newContext();
  try {
    readMsgHead(parseXml(xml), ctx);
  } catch (e) {
    expect(e).toBeInstanceOf(MessageException);
    return { error: e as MessageException, partial: ctx.partial };
  }
  throw new Error('expected a MessageException, the MsgHead was read');
}

describe('readMsgHead: header checks and their order', () => {
  it('reads MsgId, Type and GenDate and mirrors them into the partial header', () => {
    const ctx = newContext();
    const head = readMsgHead(parseXml(msgHeadXml()), ctx);
    expect(head).toMatchObject({ msgId: TEST_UUID, msgType: 'DIALOG_NOTAT', genDate: '2024-03-01T10:00:00' });
    expect(ctx.partial).toStrictEqual({ msgId: TEST_UUID, msgType: 'DIALOG_NOTAT', genDate: '2024-03-01T10:00:00' });
    expect(ctx.warnings).toEqual([]);
  });

  it('a MsgHead without MsgInfo → SCHEMA_VIOLATION', () => {
    const { error, partial } = readFailure(`<MsgHead xmlns="${NS.MSGHEAD}">${PAYLOAD_DOC}</MsgHead>`);
    expect(error.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(error.message).toBe('MsgHead has no MsgInfo');
    expect(partial).toStrictEqual({});
  });

  it.each([
    ['missing', null],
    ['empty', ''],
    ['blank', '   '],
  ])('a %s MsgId → INVALID_MSG_ID saying so; what was readable is in the partial header', (_label, msgId) => {
    const { error, partial } = readFailure(msgHeadXml({ msgId }));
    expect(error.code).toBe(MessageExceptionCode.INVALID_MSG_ID);
    expect(error.message).toBe('MsgInfo/MsgId is missing or empty');
    expect(partial).toStrictEqual({ msgType: 'DIALOG_NOTAT', genDate: '2024-03-01T10:00:00' });
  });

  it('an unusable MsgId is reported before a missing Type or GenDate (the most specific AppRec code wins)', () => {
    const { error } = readFailure(msgHeadXml({ msgId: null, type: null, genDate: null }));
    expect(error.code).toBe(MessageExceptionCode.INVALID_MSG_ID);
  });

  it('a MsgId of 100 characters is mirrored whole; a longer one is cut to 100 and marked', () => {
    const hundred = 'm'.repeat(100);
    expect(readFailure(msgHeadXml({ msgId: hundred, genDate: null })).partial.msgId).toBe(hundred);
    const longer = `${'a'.repeat(100)}bcd`;
    const { error, partial } = readFailure(msgHeadXml({ msgId: longer, genDate: null }));
    expect(error.message).toBe('MsgInfo/GenDate is missing');
    expect(partial.msgId).toBe(`${'a'.repeat(100)}…`);
  });

  it('a missing Type/@V → SCHEMA_VIOLATION, checked before GenDate; the partial header has no type', () => {
    const { error, partial } = readFailure(msgHeadXml({ type: null, genDate: null }));
    expect(error.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(error.message).toBe('MsgInfo/Type/@V is missing');
    expect(partial).toStrictEqual({ msgId: TEST_UUID });
    expect(readFailure(msgHeadXml({ type: '' })).error.message).toBe('MsgInfo/Type/@V is missing');
  });

  it('a missing GenDate → SCHEMA_VIOLATION; the partial header has no GenDate', () => {
    const { error, partial } = readFailure(msgHeadXml({ genDate: null }));
    expect(error.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(error.message).toBe('MsgInfo/GenDate is missing');
    expect(partial).toStrictEqual({ msgId: TEST_UUID, msgType: 'DIALOG_NOTAT' });
  });

  it.each([
    ['no Sender', ''],
    ['a Sender with an Organisation without Ident', '<Sender><Organisation><OrganisationName>Alvdal kommune</OrganisationName></Organisation></Sender>'],
    [
      'a Sender naming only a HealthcareProfessional',
      `<Sender><HealthcareProfessional><FamilyName>Lege</FamilyName>${ident('9144900', 'HPR')}</HealthcareProfessional></Sender>`,
    ],
  ])('%s → SENDER_MISSING, checked before the Receiver, without the names sent', (_label, sender) => {
    const { error } = readFailure(msgHeadXml({ sender, receiver: '' }));
    expect(error.code).toBe(MessageExceptionCode.SENDER_MISSING);
    expect(error.message).toBe('MsgInfo/Sender has no organisation with an identifier');
  });

  it('no Receiver → SCHEMA_VIOLATION', () => {
    const { error } = readFailure(msgHeadXml({ receiver: '' }));
    expect(error.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(error.message).toBe('MsgInfo/Receiver is missing');
  });

  it('a Receiver without an organisation identifier is read with a warning; with one there is none', () => {
    const { head, warnings } = read(msgHeadXml({ receiver: '<Receiver><Organisation><OrganisationName>Uten id</OrganisationName></Organisation></Receiver>' }));
    expect(head.receiver).toStrictEqual({ role: 'PRIMARY', organisation: [{ name: 'Uten id' }] });
    expect(warnings).toEqual(['MsgInfo/Receiver has no organisation identifier']);
    expect(head.sender).toStrictEqual({
      organisation: [{ name: 'Alvdal kommune', herId: '99387', identifiers: [{ type: 'HER', id: '99387' }] }],
    });
  });
});

describe('readMsgHead: optional header parts', () => {
  it('OtherReceivers in order, each with its RoleReceiver (none when absent)', () => {
    const other = (role: string, her: string): string =>
      `<OtherReceiver>${role}<Organisation><OrganisationName>Kopi ${her}</OrganisationName>${ident(her, 'HER')}</Organisation></OtherReceiver>`;
    const { head } = read(msgHeadXml({ rest: other('<RoleReceiver V="COP"/>', '4711') + other('', '4712') }));
    expect(head.otherReceivers).toStrictEqual([
      { role: 'COP', organisation: [{ name: 'Kopi 4711', herId: '4711', identifiers: [{ type: 'HER', id: '4711' }] }] },
      { organisation: [{ name: 'Kopi 4712', herId: '4712', identifiers: [{ type: 'HER', id: '4712' }] }] },
    ]);
  });

  it('without ProcessingStatus, ConversationRef, Patient or OtherReceiver those are absent', () => {
    const { head } = read(msgHeadXml());
    expect(head).toStrictEqual({
      msgId: TEST_UUID,
      msgType: 'DIALOG_NOTAT',
      genDate: '2024-03-01T10:00:00',
      sender: { organisation: [{ name: 'Alvdal kommune', herId: '99387', identifiers: [{ type: 'HER', id: '99387' }] }] },
      receiver: { role: 'PRIMARY', organisation: [{ name: 'Legesenter', herId: '91096', identifiers: [{ type: 'HER', id: '91096' }] }] },
      otherReceivers: [],
      payload: { ns: 'urn:payload-1', name: 'Notat', attrs: {}, children: [], text: '' },
      attachments: [],
    });
  });

  it('ProcessingStatus/@V is read', () => {
    expect(read(msgHeadXml({ beforeSender: '<ProcessingStatus V="D"/>' })).head.processingStatus).toBe('D');
  });

  it.each([
    ['only RefToParent', '<RefToParent>parent-1</RefToParent>', { refToParent: 'parent-1' }],
    ['only RefToConversation', '<RefToConversation>first-1</RefToConversation>', { refToConversation: 'first-1' }],
  ])('a ConversationRef with %s carries just that reference', (_label, refs, expected) => {
    expect(read(msgHeadXml({ beforeSender: `<ConversationRef>${refs}</ConversationRef>` })).head.conversationRef).toStrictEqual(expected);
  });

  it('a ConversationRef with empty references is no ConversationRef (empty elements are absent)', () => {
    const { head } = read(msgHeadXml({ beforeSender: '<ConversationRef><RefToParent/><RefToConversation> </RefToConversation></ConversationRef>' }));
    expect(head).not.toHaveProperty('conversationRef');
  });

  it('the Patient is read from MsgInfo/Patient', () => {
    const { head } = read(msgHeadXml({ rest: patientXml([TEST_FNR, 'FNR']) }));
    expect(head.patient).toMatchObject({ familyName: 'Gundersen', identifiers: [{ type: 'FNR', value: TEST_FNR, valid: true }] });
  });
});

describe('readMsgHead: Documents', () => {
  const attachment = (msgType: string, inner = ''): string => `<Document><RefDoc><MsgType V="${msgType}"/>${inner}</RefDoc></Document>`;

  it('no Document at all: no payload, no attachments, a warning', () => {
    const { head, warnings } = read(msgHeadXml({}, ''));
    expect(head.payload).toBeUndefined();
    expect(head.attachments).toEqual([]);
    expect(warnings).toEqual(['MsgHead has no Document']);
  });

  it('the payload is the first XML Document, selected by MsgType (any case), not by position', () => {
    const docs = `${attachment('A', '<MimeType>application/pdf</MimeType>')}${attachment('REF', '<Content><Ref xmlns="urn:ref"/></Content>')}${attachment(
      'xml',
      '<Content><Second xmlns="urn:payload-2"/></Content>',
    )}`;
    const { head, warnings } = read(msgHeadXml({}, docs));
    expect(head.payload).toMatchObject({ ns: 'urn:payload-2', name: 'Second' });
    expect(head.attachments).toStrictEqual([{ mimeType: 'application/pdf' }]);
    expect(warnings).toEqual([]);
  });

  it('a Document without RefDoc or without RefDoc/MsgType is neither payload nor attachment', () => {
    const docs = `<Document/><Document><RefDoc><MimeType>application/pdf</MimeType><Content><Untyped xmlns="urn:untyped"/></Content></RefDoc></Document>`;
    const { head, warnings } = read(msgHeadXml({}, docs + PAYLOAD_DOC));
    expect(head.payload).toMatchObject({ ns: 'urn:payload-1', name: 'Notat' });
    expect(head.attachments).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('further XML Documents are ignored and counted in a warning', () => {
    const extra = attachment('XML', '<Content><Extra xmlns="urn:extra"/></Content>');
    const { head, warnings } = read(msgHeadXml({}, PAYLOAD_DOC + extra + extra));
    expect(head.payload).toMatchObject({ ns: 'urn:payload-1', name: 'Notat' });
    expect(warnings).toEqual(['2 additional XML Document(s) ignored; only the first is mapped']);
  });

  it('attachments (MsgType A, any case) keep MIME type, description and decoded size; each part is optional', () => {
    const b64 = (ns: string): string => `<Content><Base64Container xmlns="${ns}">SGVsbG8=</Base64Container></Content>`;
    const docs = [
      attachment('A', `<MimeType>application/pdf</MimeType><Description>EKG</Description>${b64(NS.BASE64)}`),
      attachment('a', '<Description>Bilde</Description>'),
      attachment('A'),
      // A Base64Container outside its namespace is not the standard's container: no size.
      attachment('A', `<MimeType>text/plain</MimeType>${b64('urn:other')}`),
    ].join('');
    const { head } = read(msgHeadXml({}, PAYLOAD_DOC + docs));
    expect(head.attachments).toStrictEqual([
      { mimeType: 'application/pdf', description: 'EKG', sizeBytes: 5 },
      { description: 'Bilde' },
      {},
      { mimeType: 'text/plain' },
    ]);
  });
});
