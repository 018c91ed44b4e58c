import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import { accessTokenHash, DpopKey, generateDpopKey } from './dpop-client';
import { DpopException, DpopNonces, DpopProofVerifier, DpopReplayCache, sameUri } from './dpop-proof.verifier';

/** Records what the verifier asks the replay cache to remember, and answers like a fresh cache. */
class RecordingReplayCache implements DpopReplayCache {
  readonly calls: Array<{ key: string; expiresAtMs: number }> = [];
  async remember(key: string, expiresAtMs: number): Promise<boolean> {
    const seen = this.calls.some((call) => call.key === key);
    this.calls.push({ key, expiresAtMs });
    return !seen;
  }
}

const URI = 'https://hub.kommune.no/fhir/0301/EpisodeOfCare/_search';
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJjbGllbnRfaWQiOiJlcGoifQ.c2lnbmF0dXJl';
/** A fixed clock on a whole second, so iat boundaries are exact. */
const NOW_SECONDS = 1_767_225_600;
const NOW = NOW_SECONDS * 1000;

describe('DpopProofVerifier (RFC 9449 §4.3) at the edges of its rules', () => {
  let key: DpopKey;
  let replay: RecordingReplayCache;

  beforeAll(async () => {
    key = await generateDpopKey('ES256');
  });
  beforeEach(() => {
    replay = new RecordingReplayCache();
  });

  const verifier = (options: Partial<{ maxAgeSeconds: number; clockToleranceSeconds: number; nonces: DpopNonces }> = {}) =>
    new DpopProofVerifier({ replay, maxAgeSeconds: 60, clockToleranceSeconds: 5, now: () => NOW, ...options });
  const request = (proof: string | string[] | undefined) => ({ proof, method: 'POST', uri: URI, accessToken: TOKEN, boundKeyThumbprint: key.thumbprint });
  /** A proof signed by the bound key, with the claims of a correct one unless overridden (undefined drops a claim). */
  const sign = async (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) => {
    const all = Object.fromEntries(
      Object.entries({ htm: 'POST', htu: URI, jti: randomUUID(), iat: NOW_SECONDS, ath: accessTokenHash(TOKEN), ...claims }).filter(([, v]) => v !== undefined),
    );
    return new SignJWT(all).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk, ...header } as never).sign(await importJWK(key.privateJwk, 'ES256'));
  };
  const refusal = async (input: ReturnType<typeof request>, target = verifier()): Promise<DpopException> => {
    try {
      await target.verify(input);
    } catch (error) {
      expect(error).toBeInstanceOf(DpopException);
      return error as DpopException;
    }
    throw new Error('the proof was accepted');
  };

  it('accepts iat exactly at the clock tolerance and exactly at the maximum age, and nothing beyond', async () => {
    await expect(verifier().verify(request(await sign({ iat: NOW_SECONDS + 5 })))).resolves.toBeUndefined();
    await expect(verifier().verify(request(await sign({ iat: NOW_SECONDS - 60 })))).resolves.toBeUndefined();
    expect((await refusal(request(await sign({ iat: NOW_SECONDS + 6 })))).message).toBe('DPoP proof iat is in the future');
    expect((await refusal(request(await sign({ iat: NOW_SECONDS - 61 })))).message).toBe('DPoP proof is too old');
  });

  it('requires iat, htm, htu and jti in the proof (RFC 9449 §4.2)', async () => {
    for (const claim of ['iat', 'htm', 'htu', 'jti']) {
      const refused = await refusal(request(await sign({ [claim]: undefined })));
      expect(refused.error).toBe('invalid_dpop_proof');
    }
    expect(replay.calls).toHaveLength(0);
  });

  it('requires jti to be a non-empty string of at most 256 characters', async () => {
    await expect(verifier().verify(request(await sign({ jti: 'j'.repeat(256) })))).resolves.toBeUndefined();
    for (const jti of ['', 'j'.repeat(257), 12345]) {
      expect((await refusal(request(await sign({ jti })))).message).toBe('DPoP proof jti is missing or too long');
    }
  });

  it('remembers the jti for as long as its iat could still be accepted: (iat + max age + tolerance) seconds', async () => {
    await verifier().verify(request(await sign({ iat: NOW_SECONDS - 10 })));
    expect(replay.calls).toHaveLength(1);
    expect(replay.calls[0]!.expiresAtMs).toBe((NOW_SECONDS - 10 + 60 + 5) * 1000);
  });

  it('remembers the jti at least a second past now, even when its window has just closed', async () => {
    await verifier({ clockToleranceSeconds: 0 }).verify(request(await sign({ iat: NOW_SECONDS - 60 })));
    expect(replay.calls[0]!.expiresAtMs).toBe(NOW + 1000);
  });

  it('refuses a missing or empty header, and several proofs, each with its own reason', async () => {
    expect(await refusal(request(''))).toMatchObject({ error: 'invalid_dpop_proof', message: 'DPoP proof missing', name: 'DpopException' });
    expect(await refusal(request(undefined))).toMatchObject({ message: 'DPoP proof missing' });
    const p = await sign();
    expect((await refusal(request([p])))).toMatchObject({ message: 'Exactly one well-formed DPoP proof is required' });
    expect((await refusal(request(`${p}, ${p}`)))).toMatchObject({ message: 'Exactly one well-formed DPoP proof is required' });
  });

  it('says why a proof cannot be read: not a JWT, a jwk that is no key, a jwk that is not an object', async () => {
    expect((await refusal(request('aaaa.bbbb.cccc'))).message).toBe('DPoP proof is not a JWT');
    expect((await refusal(request(await sign({}, { jwk: { kty: 'EC' } })))).message).toBe('DPoP proof key cannot be read');
    expect((await refusal(request(await sign({}, { jwk: 'not-a-key' })))).message).toBe('DPoP proof has no jwk');
    expect((await refusal(request(await sign({}, { jwk: [key.publicJwk] })))).message).toBe('DPoP proof has no jwk');
    expect((await refusal(request(await sign({}, { jwk: { ...key.publicJwk, d: 'AAAA' } })))).message).toBe('DPoP proof jwk must be a public key');
    expect((await refusal(request(await sign({}, { jwk: null })))).message).toBe('DPoP proof has no jwk');
    // A symmetric key is never a proof's key, even without its secret member.
    expect((await refusal(request(await sign({}, { jwk: { kty: 'oct' } })))).message).toBe('DPoP proof jwk must be a public key');
    // An EC key whose point is not on its curve: node:crypto refuses it with a TypeError.
    const offCurve = { kty: 'EC', crv: 'P-256', x: key.publicJwk.x, y: key.publicJwk.x };
    expect((await refusal(request(await sign({}, { jwk: offCurve })))).message).toBe('DPoP proof rejected (ERR_CRYPTO_INVALID_JWK)');
  });

  it('asks for a nonce with the error_description of RFC 9449 §8', async () => {
    const nonces = new DpopNonces('a-shared-nonce-secret', 60, () => NOW);
    const refused = await refusal(request(await sign()), verifier({ nonces }));
    expect(refused).toMatchObject({ error: 'use_dpop_nonce', message: 'Resource server requires nonce in DPoP proof', nonce: nonces.current() });
  });
});

describe('DpopNonces', () => {
  it('does not accept a nonce of an earlier window relabelled as the current window', () => {
    let now = NOW;
    const nonces = new DpopNonces('a-shared-nonce-secret', 60, () => now);
    const old = nonces.current();
    now += 10 * 60 * 1000;
    const current = nonces.current();
    const relabelled = `${current.split('.')[0]}.${old.split('.')[1]}`;
    expect(nonces.isValid(current)).toBe(true);
    expect(nonces.isValid(relabelled)).toBe(false);
  });

  it('refuses what is not a string or is far too long to be a nonce', () => {
    const nonces = new DpopNonces('a-shared-nonce-secret', 60, () => NOW);
    expect(nonces.isValid(undefined)).toBe(false);
    expect(nonces.isValid(`${nonces.current()}${'a'.repeat(200)}`)).toBe(false);
  });
});

describe('sameUri (RFC 9449 §4.3 step 9)', () => {
  it('compares URIs up to 4096 characters, and refuses a longer htu', () => {
    const base = 'https://hub.kommune.no/';
    const atLimit = `${base}${'a'.repeat(4096 - base.length)}`;
    expect(atLimit).toHaveLength(4096);
    expect(sameUri(atLimit, atLimit)).toBe(true);
    expect(sameUri(`${atLimit}a`, `${atLimit}a`)).toBe(false);
  });

  it('never matches what is not an http(s) URL, even when both sides are the same', () => {
    expect(sameUri('not a url', 'not a url')).toBe(false);
    expect(sameUri('ftp://hub.kommune.no/x', 'ftp://hub.kommune.no/x')).toBe(false);
    expect(sameUri('urn:example:x', 'urn:example:x')).toBe(false);
    expect(sameUri(42, 'https://hub.kommune.no/')).toBe(false);
  });

  it('matches http and https URLs on themselves, and not across schemes', () => {
    expect(sameUri('http://localhost:3000/fhir', 'http://localhost:3000/fhir')).toBe(true);
    expect(sameUri('https://hub.kommune.no/fhir', 'https://hub.kommune.no/fhir')).toBe(true);
    expect(sameUri('http://hub.kommune.no/fhir', 'https://hub.kommune.no/fhir')).toBe(false);
  });
});
