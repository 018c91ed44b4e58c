import { PageTokenCodec } from './page-token';

describe('PageTokenCodec', () => {
  const codec = new PageTokenCodec('secret-one');
  const search = { kommunenummer: '0301', identifier: '01017012345', offset: 20 };

  it('opens what it sealed', () => {
    expect(codec.open(codec.seal(search))).toEqual(search);
  });

  it('carries nothing of the search in clear', () => {
    const token = codec.seal(search);
    expect(Buffer.from(token, 'base64url').toString('latin1')).not.toContain('01017012345');
    expect(token).not.toContain('0301');
  });

  it('seals the same search differently every time, with a fresh IV for each of thousands', () => {
    const ivs = new Set<string>();
    const tokens = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const token = codec.seal(search);
      tokens.add(token);
      ivs.add(Buffer.from(token, 'base64url').subarray(0, 12).toString('hex'));
    }
    expect(tokens.size).toBe(3000);
    expect(ivs.size).toBe(3000);
  });

  it('refuses a token changed in any byte, sealed with another secret, or not a token at all', () => {
    const raw = Buffer.from(codec.seal(search), 'base64url');
    for (const at of [0, 11, 12, 27, 28, raw.length - 1]) {
      const changed = Buffer.from(raw);
      changed[at] ^= 0x01;
      expect(codec.open(changed.toString('base64url'))).toBeUndefined();
    }
    expect(new PageTokenCodec('secret-two').open(codec.seal(search))).toBeUndefined();
    expect(codec.open('')).toBeUndefined();
    expect(codec.open('not-a-token')).toBeUndefined();
  });

  it('refuses a token past its lifetime', () => {
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    try {
      const token = codec.seal(search, 60);
      clock.mockReturnValue(now + 59_000);
      expect(codec.open(token)).toEqual(search);
      clock.mockReturnValue(now + 61_000);
      expect(codec.open(token)).toBeUndefined();
    } finally {
      clock.mockRestore();
    }
  });
});
