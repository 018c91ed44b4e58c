import { createHmac } from 'node:crypto';
import { messageKey, messageRecordKey, patientPseudonym, sha256Hex, splitMessageKey, uuidV5 } from './ids.util';

describe('uuidV5', () => {
  it('matches the RFC 4122 test vector for the DNS namespace', () => {
    // python: uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org') == 886313e1-3b8a-5372-9b90-0c9aee199e5d
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });

  it('is deterministic and input-sensitive', () => {
    expect(uuidV5('3428|abc')).toBe(uuidV5('3428|abc'));
    expect(uuidV5('3428|abc')).not.toBe(uuidV5('3428|abd'));
  });
});

describe('patientPseudonym', () => {
  const key = 'test-key-0123456789';
  it('never contains the identifier and differs per kommune and per identifier type', () => {
    const a = patientPseudonym(key, '3428', 'FNR', '15076500565');
    expect(a).not.toContain('15076500565');
    expect(a).toHaveLength(32);
    expect(patientPseudonym(key, '3428', 'FNR', '15076500565')).toBe(a);
    expect(patientPseudonym(key, '0301', 'FNR', '15076500565')).not.toBe(a);
    expect(patientPseudonym(key, '3428', 'DNR', '15076500565')).not.toBe(a);
    expect(patientPseudonym('other-key-0123456789', '3428', 'FNR', '15076500565')).not.toBe(a);
    // The definition, written out: HMAC-SHA256 of kommune, upper-case type and value, base64url, 32 characters.
    // (Stored pseudonyms depend on it: any change would split every patient's record.)
    expect(a).toBe(createHmac('sha256', key).update('3428|FNR|15076500565').digest('base64url').slice(0, 32));
    // The same identifier however it is written: type in any case, value with spaces around.
    expect(patientPseudonym(key, '3428', 'fnr', ' 15076500565 ')).toBe(a);
  });
});

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 test vector', () => {
    expect(sha256Hex(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('messageKey and splitMessageKey', () => {
  const uuid = '76665c90-3198-11e8-b566-0800200c9a66';

  it('keys a UUID MsgId as it is, whoever sent it, in either letter case', () => {
    expect(messageKey(uuid, '258521')).toBe(uuid);
    expect(messageKey(uuid, null)).toBe(uuid);
    expect(messageKey(uuid.toUpperCase(), '258521')).toBe(uuid.toUpperCase());
  });

  it('scopes any other MsgId by the sender, so two senders\' "1" never meet', () => {
    expect(messageKey('1', '258521')).toBe('her:258521|1');
    expect(messageKey('1', '90001')).toBe('her:90001|1');
    expect(messageKey('1', null)).toBe('her:|1');
    expect(messageKey('1', undefined)).toBe('her:|1');
  });

  it('takes only a whole UUID as a UUID (nothing before, after or missing)', () => {
    for (const almost of [`x${uuid}`, `${uuid}x`, uuid.slice(1), uuid.replace(/-/g, ''), uuid.replace('7', 'g'), `${uuid}\n`]) {
      expect(messageKey(almost, '1')).toBe(`her:1|${almost}`);
    }
  });

  it('gives back the MsgId and sender of either form', () => {
    expect(splitMessageKey(uuid)).toEqual({ msgId: uuid, senderHerId: null });
    expect(splitMessageKey(messageKey('msg|with|bars', '258521'))).toEqual({ msgId: 'msg|with|bars', senderHerId: '258521' });
    expect(splitMessageKey(messageKey('A-1', null))).toEqual({ msgId: 'A-1', senderHerId: '' });
  });
});

describe('messageRecordKey', () => {
  it('is a deterministic UUID of the message key that never carries the MsgId', () => {
    const key = messageRecordKey('her:258521|Melding 2024-17');
    expect(key).toBe(`msg:${uuidV5('record-key|her:258521|Melding 2024-17')}`);
    expect(key).toMatch(/^msg:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(key).not.toContain('Melding');
    expect(messageRecordKey('her:258521|Melding 2024-17')).toBe(key);
    expect(messageRecordKey('her:258521|Melding 2024-18')).not.toBe(key);
  });
});
