import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT } from 'jose';
import { accessTokenHash, createDpopProof, DpopKey, generateDpopKey } from './dpop-client';
import { DpopException, DpopNonces, DpopProofVerifier, DpopReplayCache, sameUri } from './dpop-proof.verifier';

/** The replay cache's contract, in memory (the hub's is a PostgreSQL table shared by every instance). */
class MemoryReplayCache implements DpopReplayCache {
  readonly seen = new Map<string, number>();
  constructor(private readonly now: () => number = Date.now) {}
  async remember(key: string, expiresAtMs: number): Promise<boolean> {
    const until = this.seen.get(key);
    if (until !== undefined && until > this.now()) return false;
    this.seen.set(key, expiresAtMs);
    return true;
  }
}

const URI = 'https://hub.kommune.no/fhir/0301/EpisodeOfCare/_search';
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJjbGllbnRfaWQiOiJlcGoifQ.c2lnbmF0dXJl';

describe('DpopProofVerifier (RFC 9449 §4.3): the attack matrix', () => {
  let key: DpopKey;
  let replay: MemoryReplayCache;
  let verifier: DpopProofVerifier;

  beforeAll(async () => {
    key = await generateDpopKey('ES256');
  });
  beforeEach(() => {
    replay = new MemoryReplayCache();
    verifier = new DpopProofVerifier({ replay, maxAgeSeconds: 60, clockToleranceSeconds: 5 });
  });

  const request = (proof: string | string[] | undefined, overrides: Partial<{ method: string; uri: string; accessToken: string; boundKeyThumbprint: string }> = {}) => ({
    proof,
    method: 'POST',
    uri: URI,
    accessToken: TOKEN,
    boundKeyThumbprint: key.thumbprint,
    ...overrides,
  });
  const proof = (overrides: Partial<Parameters<typeof createDpopProof>[1]> = {}) => createDpopProof(key, { htm: 'POST', htu: URI, accessToken: TOKEN, ...overrides });
  /** The DpopException a request is refused with (fails the test if it is accepted). */
  const refusal = async (input: ReturnType<typeof request>): Promise<DpopException> => {
    try {
      await verifier.verify(input);
    } catch (error) {
      expect(error).toBeInstanceOf(DpopException);
      return error as DpopException;
    }
    throw new Error('the proof was accepted');
  };
  /** Signs a proof with any header and claims (for the forged cases). */
  const forge = async (header: Record<string, unknown>, claims: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ htm: 'POST', htu: URI, jti: randomUUID(), iat: now, ath: accessTokenHash(TOKEN), ...claims })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk, ...header } as never)
      .sign(await importJWK(key.privateJwk, 'ES256'));
  };

  it('accepts a correct proof', async () => {
    await expect(verifier.verify(request(await proof()))).resolves.toBeUndefined();
    expect(replay.seen.size).toBe(1);
  });

  it('refuses a request without a proof', async () => {
    expect(await refusal(request(undefined))).toMatchObject({ error: 'invalid_dpop_proof', message: 'DPoP proof missing' });
  });

  it('refuses two proofs in one request', async () => {
    const p = await proof();
    expect((await refusal(request([p, p]))).error).toBe('invalid_dpop_proof');
    expect((await refusal(request(`${p}, ${p}`))).error).toBe('invalid_dpop_proof');
  });

  it('refuses a replayed jti, even with a fresh signature', async () => {
    const jti = randomUUID();
    await verifier.verify(request(await proof({ jti })));
    expect((await refusal(request(await proof({ jti })))).message).toMatch(/jti was used before/);
  });

  it('refuses a wrong htm', async () => {
    expect((await refusal(request(await proof({ htm: 'GET' })))).message).toMatch(/htm/);
    expect((await refusal(request(await proof({ htm: 'post' })))).message).toMatch(/htm/);
  });

  it('refuses a wrong htu: another host, path, scheme or port', async () => {
    for (const htu of [
      'https://evil.example/fhir/0301/EpisodeOfCare/_search',
      'https://hub.kommune.no/fhir/0302/EpisodeOfCare/_search',
      'http://hub.kommune.no/fhir/0301/EpisodeOfCare/_search',
      'https://hub.kommune.no:8443/fhir/0301/EpisodeOfCare/_search',
      'not a url',
    ]) {
      expect((await refusal(request(await proof({ htu })))).message).toMatch(/htu/);
    }
  });

  it('compares htu after normalisation and without query or fragment (RFC 9449 §4.3, RFC 3986 §6.2)', async () => {
    expect(sameUri('HTTPS://Hub.Kommune.no:443/fhir/0301/EpisodeOfCare/_search?x=1#f', URI)).toBe(true);
    expect(sameUri('https://hub.kommune.no/fhir/0301/./EpisodeOfCare/%5fsearch', URI)).toBe(true);
    expect(sameUri('https://hub.kommune.no/fhir/0301/EpisodeOfCare/_search/', URI)).toBe(false);
    // Escapes of reserved characters compare without regard to case, and stay escapes.
    expect(sameUri('https://hub.kommune.no/a%2fb', 'https://hub.kommune.no/a%2Fb')).toBe(true);
    expect(sameUri('https://hub.kommune.no/a%2fb', 'https://hub.kommune.no/a/b')).toBe(false);
    expect(sameUri('https://hub.kommune.no/%c3%a6', 'https://hub.kommune.no/æ')).toBe(true);
    await expect(verifier.verify(request(await proof({ htu: `${URI}?_count=10` })))).resolves.toBeUndefined();
  });

  it('refuses a stale iat (older than the window)', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await refusal(request(await proof({ iat: now - 61 })))).message).toMatch(/too old/);
  });

  it('refuses a future iat (beyond the clock tolerance)', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await refusal(request(await proof({ iat: now + 30 })))).message).toMatch(/future/);
  });

  it('refuses a wrong ath, and a proof without ath', async () => {
    expect((await refusal(request(await proof({ accessToken: `${TOKEN}x` })))).message).toMatch(/ath/);
    expect((await refusal(request(await forge({}, { ath: undefined })))).message).toMatch(/ath/);
  });

  it("refuses a proof signed by a key other than the token's cnf.jkt", async () => {
    const other = await generateDpopKey('ES256');
    const p = await createDpopProof(other, { htm: 'POST', htu: URI, accessToken: TOKEN });
    expect((await refusal(request(p))).message).toMatch(/not the key the access token is bound to/);
  });

  it("refuses alg 'none'", async () => {
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ typ: 'dpop+jwt', alg: 'none', jwk: key.publicJwk })}.${b64({ htm: 'POST', htu: URI, jti: randomUUID(), iat: now, ath: accessTokenHash(TOKEN) })}.`;
    expect((await refusal(request(unsigned))).error).toBe('invalid_dpop_proof');
    expect((await refusal(request(`${unsigned}c2ln`))).message).toMatch(/algorithm not allowed/);
  });

  it('refuses HS256, also with the public key as the HMAC secret', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const secret = new TextEncoder().encode(await exportSPKI(publicKey));
    const publicJwk = await exportJWK(publicKey);
    const now = Math.floor(Date.now() / 1000);
    const hs = await new SignJWT({ htm: 'POST', htu: URI, jti: randomUUID(), iat: now, ath: accessTokenHash(TOKEN) })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: publicJwk })
      .sign(secret);
    expect((await refusal(request(hs, { boundKeyThumbprint: await calculateJwkThumbprint(publicJwk, 'sha256') }))).message).toMatch(/algorithm not allowed/);
  });

  it('refuses a private key in the jwk header', async () => {
    expect((await refusal(request(await forge({ jwk: key.privateJwk }))))).toMatchObject({ error: 'invalid_dpop_proof', message: expect.stringMatching(/public key/) });
    expect((await refusal(request(await forge({ jwk: { kty: 'oct', k: 'c2VjcmV0' } })))).message).toMatch(/public key/);
  });

  it('refuses a wrong typ and a proof without jwk', async () => {
    expect((await refusal(request(await forge({ typ: 'JWT' })))).message).toMatch(/typ/);
    expect((await refusal(request(await forge({ jwk: undefined })))).message).toMatch(/no jwk/);
  });

  it('refuses a proof whose signature does not verify with its own jwk', async () => {
    const other = await generateDpopKey('ES256');
    const forged = await forge({ jwk: other.publicJwk });
    expect((await refusal(request(forged, { boundKeyThumbprint: other.thumbprint }))).message).toMatch(/rejected/);
  });

  it('does not let refused proofs take a place in the replay cache', async () => {
    await refusal(request(await proof({ htm: 'GET' })));
    expect(replay.seen.size).toBe(0);
  });

  it('keys the replay cache by a digest of key and jti (no proof content stored)', async () => {
    const jti = 'abc-123';
    await verifier.verify(request(await proof({ jti })));
    const [stored] = [...replay.seen.keys()];
    expect(stored).toBe(createHash('sha256').update(`${key.thumbprint}|${jti}`).digest('base64url'));
  });
});

describe('DPoP server nonces', () => {
  it('asks for a nonce (use_dpop_nonce with a fresh one), accepts it, and accepts another instance\'s nonce', async () => {
    const key = await generateDpopKey('ES256');
    let now = Date.parse('2026-12-04T12:00:00Z');
    const clock = () => now;
    const instanceA = new DpopProofVerifier({ replay: new MemoryReplayCache(clock), maxAgeSeconds: 60, clockToleranceSeconds: 5, nonces: new DpopNonces('shared-secret', 60, clock), now: clock });
    const instanceB = new DpopProofVerifier({ replay: new MemoryReplayCache(clock), maxAgeSeconds: 60, clockToleranceSeconds: 5, nonces: new DpopNonces('shared-secret', 60, clock), now: clock });
    const proof = (nonce?: string) => createDpopProof(key, { htm: 'GET', htu: URI, accessToken: TOKEN, nonce, iat: Math.floor(now / 1000) });
    const input = async (nonce?: string) => ({ proof: await proof(nonce), method: 'GET', uri: URI, accessToken: TOKEN, boundKeyThumbprint: key.thumbprint });

    const asked = await instanceA.verify(await input()).then(() => undefined, (e: DpopException) => e);
    expect(asked).toMatchObject({ error: 'use_dpop_nonce' });
    const nonce = asked!.nonce!;
    await expect(instanceA.verify(await input(nonce))).resolves.toBeUndefined();
    await expect(instanceB.verify(await input(nonce))).resolves.toBeUndefined();
    await expect(instanceA.verify(await input('0.forged'))).rejects.toMatchObject({ error: 'use_dpop_nonce' });
    // Valid in its own window and the next, not after.
    now += 90_000;
    await expect(instanceA.verify(await input(nonce))).resolves.toBeUndefined();
    now += 60_000;
    await expect(instanceA.verify(await input(nonce))).rejects.toMatchObject({ error: 'use_dpop_nonce' });
    const other = new DpopNonces('another-secret', 60, clock);
    expect(new DpopNonces('shared-secret', 60, clock).isValid(other.current())).toBe(false);
  });
});
