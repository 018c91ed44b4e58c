/**
 * parseMessage's contract for failures it did not foresee: "MessageException or a result". A bug in
 * the XML reader or a mapper (anything but a MessageException) is wrapped with the stage it happened
 * in, the header read so far, and the original error as `cause`. No message makes our own code throw
 * such an error today, so the readers are replaced here by pass-through mocks that throw on demand.
 */
import { MessageException, MessageExceptionCode } from './message.exception';
import { readMsgHead } from './msghead/msghead.reader';
import { mapPlo } from './plo/plo.mapper';
import { msgHead, orienteringPayload, parseFailure, TEST_FNR, TEST_UUID } from './testing/message-fixtures.util';
import { NS } from './xml/namespaces.constant';
import { parseXml } from './xml/xml-tree.util';

jest.mock('./xml/xml-tree.util', () => {
  const actual = jest.requireActual('./xml/xml-tree.util');
  return { ...actual, parseXml: jest.fn(actual.parseXml) };
});
jest.mock('./plo/plo.mapper', () => {
  const actual = jest.requireActual('./plo/plo.mapper');
  return { ...actual, mapPlo: jest.fn(actual.mapPlo) };
});
jest.mock('./msghead/msghead.reader', () => {
  const actual = jest.requireActual('./msghead/msghead.reader');
  return { ...actual, readMsgHead: jest.fn(actual.readMsgHead) };
});

const PLO16 = { msgNs: 'http://www.kith.no/xmlstds/po/OrienteringOmTjenestetilbud/2012-04-01', poNs: NS.PO_16 };
const MESSAGE = msgHead({ payload: orienteringPayload(PLO16) });

describe('parseMessage: unexpected errors', () => {
  it('an unexpected error while reading the XML becomes NOT_WELL_FORMED with the error as cause and no partial header', () => {
    const boom = new RangeError('parser bug');
    jest.mocked(parseXml).mockImplementationOnce(() => {
      throw boom;
    });
    const e = parseFailure(MESSAGE);
    expect(e.code).toBe(MessageExceptionCode.NOT_WELL_FORMED);
    expect(e.message).toBe('XML could not be read');
    expect(e.cause).toBe(boom);
    expect(e.partial).toStrictEqual({});
  });

  it('an unexpected error while mapping becomes SCHEMA_VIOLATION with the error as cause and the header read so far', () => {
    const boom = new TypeError('mapper bug');
    jest.mocked(mapPlo).mockImplementationOnce(() => {
      throw boom;
    });
    const e = parseFailure(MESSAGE);
    expect(e.code).toBe(MessageExceptionCode.SCHEMA_VIOLATION);
    expect(e.message).toBe('Message structure could not be mapped');
    expect(e.message).not.toContain(TEST_FNR);
    expect(e.cause).toBe(boom);
    expect(e.partial).toStrictEqual({ msgId: TEST_UUID, msgType: 'ORIENTERING_TJENESTETILBUD', genDate: '2024-03-01T10:00:00', namespace: PLO16.msgNs });
  });

  it('a MessageException that already carries a partial header is passed on as it is', () => {
    const own = new MessageException(MessageExceptionCode.SENDER_MISSING, 'own', { msgId: 'own-id' });
    jest.mocked(readMsgHead).mockImplementationOnce(() => {
      throw own;
    });
    expect(parseFailure(MESSAGE)).toBe(own);
  });

  it('a MessageException without a partial header gets the one read so far, keeping code and text', () => {
    jest.mocked(mapPlo).mockImplementationOnce(() => {
      throw new MessageException(MessageExceptionCode.SCHEMA_VIOLATION, 'from the mapper');
    });
    const e = parseFailure(MESSAGE);
    expect(e).toMatchObject({ code: MessageExceptionCode.SCHEMA_VIOLATION, message: 'from the mapper' });
    expect(e.partial).toStrictEqual({ msgId: TEST_UUID, msgType: 'ORIENTERING_TJENESTETILBUD', genDate: '2024-03-01T10:00:00', namespace: PLO16.msgNs });
  });
});
