import { createHmac } from 'node:crypto';
import { patientPseudonym, sha256Hex, uuidV5 } from './ids.util';

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
