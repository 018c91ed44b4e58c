/**
 * Round trip through the project's own message builder (@hub/testing, built from the XSDs by another
 * team): covers versions the corpus has no example of (PLO 1.5 / 2.0, Epikrise 1.0 / 1.1,
 * Henvisning 1.0, Dialogmelding 1.0). Test-only dependency; the library never imports @hub/testing.
 */
import { buildMessage, SUPPORTED_MESSAGES } from '@hub/testing';
import { parseMessage } from './parse-message';

describe('parseMessage ∘ buildMessage', () => {
  it.each(SUPPORTED_MESSAGES.map((m) => [m.kind, m.version, m.msgHead] as const))('%s %s', (kind, version, msgHead) => {
    for (const status of ['N', 'C'] as const) {
      const msgId = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
      const m = parseMessage(buildMessage({ kind, version, status, msgId }));
      expect(m.msgId).toBe(msgId);
      expect(m.envelope).toBe(msgHead ? 'MsgHead' : 'Message');
      expect(m.standardVersion).toBe(version);
      expect(m.standard).not.toBe('OTHER');
      if (m.standard === 'DIALOGMELDING') expect(m.status).toBeNull();
      else expect(m.status).toBe(status);
      if (m.standard !== 'PLO' || kind !== 'ORIENTERING_TJENESTETILBUD') continue;
      expect(m.services.length).toBeGreaterThan(0);
    }
  });

  it('ISO-8859-1 output decodes', () => {
    const m = parseMessage(buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', encoding: 'ISO-8859-1' }));
    expect(m.encoding).toBe('iso-8859-1');
  });
});
