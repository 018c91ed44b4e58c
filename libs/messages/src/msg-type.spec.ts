import { buildMessage, SUPPORTED_MESSAGES } from '@hub/testing';
import { knownMsgType } from './msg-type';
import { parseMessage } from './parse-message';

describe('knownMsgType (closed set for metric labels)', () => {
  it('knows the type of every message the builder can make', () => {
    for (const m of SUPPORTED_MESSAGES) {
      const parsed = parseMessage(buildMessage({ kind: m.kind, version: m.version }));
      expect([m.kind, m.version, knownMsgType(parsed.msgType)]).toEqual([m.kind, m.version, parsed.msgType]);
    }
  });

  it("turns any other text into OTHER and no text into UNKNOWN", () => {
    expect(knownMsgType('ORIENTERING_TJENESTETILBUD')).toBe('ORIENTERING_TJENESTETILBUD');
    expect(knownMsgType('Kari Nordmann 01017012345')).toBe('OTHER');
    expect(knownMsgType('orientering_tjenestetilbud')).toBe('OTHER');
    expect(knownMsgType(undefined)).toBe('UNKNOWN');
  });
});
