import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, JWK, KeyLike, SignJWT } from 'jose';
import { AuthenticationException, HELSEID_CLAIMS, TokenVerifier } from './token-verifier';

const ISSUER = 'https://helseid-sts.test.nhn.no';
const AUDIENCE = 'hendelseslager';

type Keys = { privateKey: KeyLike; publicJwk: JWK; kid: string };

async function keyPair(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Promise<Keys & { publicKey: KeyLike }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicKey, kid, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function sign(keys: Keys, claims: Record<string, unknown> = {}, options: { alg?: string; iss?: string; aud?: string; exp?: number; iat?: number } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: 'epj-legevakt', scope: 'patients:read', kommuner: ['0301'], ...claims })
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: keys.kid, typ: 'at+jwt' })
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt(options.iat ?? now)
    .setExpirationTime(options.exp ?? now + 300)
    .sign(keys.privateKey);
}

/** A JWKS endpoint whose keys the test can rotate, counting how often it is fetched. */
function jwksServer(): Promise<{ url: string; setKeys(keys: JWK[]): void; fetches(): number; close(): Promise<void> }> {
  let keys: JWK[] = [];
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches += 1;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ keys }));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
        setKeys: (k) => (keys = k),
        fetches: () => fetches,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

async function rejection(verifier: TokenVerifier, token: string): Promise<string> {
  try {
    await verifier.verify(`Bearer ${token}`);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthenticationException);
    return (error as Error).message;
  }
  throw new Error('token was accepted');
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('TokenVerifier against a remote JWKS', () => {
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  let current: Awaited<ReturnType<typeof keyPair>>;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    jwks = await jwksServer();
    current = await keyPair('key-1');
    jwks.setKeys([current.publicJwk]);
    verifier = new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 30, jwksUri: jwks.url, jwksCooldownMs: 0 });
  });
  afterAll(() => jwks.close());

  it('accepts a valid token and reads client, organisation, HPR, kommuner and patient claims (HelseID names)', async () => {
    const token = await sign(current, {
      [HELSEID_CLAIMS.parentOrganisation]: '974600951',
      [HELSEID_CLAIMS.hpr]: '9144900',
      name: 'Lege Legesen',
      kommuner: ['0301', '4601', 'not-a-kommune'],
    });
    const principal = await verifier.verify(`Bearer ${token}`);
    expect(principal).toMatchObject({ clientId: 'epj-legevakt', organisation: '974600951', hpr: '9144900', actorName: 'Lege Legesen' });
    expect([...principal.scopes]).toEqual(['patients:read']);
    expect([...principal.kommuner]).toEqual(['0301', '4601']);
  });

  it("reads the acting person's security level (HelseID's claim, a string; the short name too), 0 for no level, none for a system token", async () => {
    const level = async (claims: Record<string, unknown>) => (await verifier.verify(`Bearer ${await sign(current, claims)}`)).securityLevel;
    expect(await level({ [HELSEID_CLAIMS.securityLevel]: '4' })).toBe(4);
    expect(await level({ [HELSEID_CLAIMS.securityLevel]: '3' })).toBe(3);
    expect(await level({ security_level: 2 })).toBe(2);
    expect(await level({ [HELSEID_CLAIMS.securityLevel]: '5' })).toBe(0);
    expect(await level({ [HELSEID_CLAIMS.securityLevel]: '44' })).toBe(0);
    expect(await level({ [HELSEID_CLAIMS.securityLevel]: 'high' })).toBe(0);
    expect(await level({})).toBeUndefined();
  });

  it('caches the key set: many verifications, one fetch', async () => {
    const before = jwks.fetches();
    for (let i = 0; i < 5; i += 1) await verifier.verify(`Bearer ${await sign(current)}`);
    expect(jwks.fetches() - before).toBe(0);
  });

  it('follows key rotation: a token with a new kid makes it refetch; the retired key is then refused', async () => {
    const old = current;
    const oldToken = await sign(old);
    const next = await keyPair('key-2', 'ES256');
    jwks.setKeys([next.publicJwk]);
    const before = jwks.fetches();
    const principal = await verifier.verify(`Bearer ${await sign(next, {}, { alg: 'ES256' })}`);
    expect(principal.clientId).toBe('epj-legevakt');
    expect(jwks.fetches() - before).toBe(1);
    expect(await rejection(verifier, oldToken)).toMatch(/Token rejected/);
    current = next;
  });

  it('refuses an expired token beyond the clock tolerance, accepts one within it', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await rejection(verifier, await sign(current, {}, { alg: 'ES256', iat: now - 600, exp: now - 60 }))).toBe('Token expired');
    await expect(verifier.verify(`Bearer ${await sign(current, {}, { alg: 'ES256', iat: now - 600, exp: now - 10 })}`)).resolves.toBeDefined();
  });

  it('refuses a token signed by another key under the same kid', async () => {
    const forger = await keyPair(current.kid, 'ES256');
    expect(await rejection(verifier, await sign(forger, {}, { alg: 'ES256' }))).toMatch(/Token rejected/);
  });

  it('refuses a wrong audience and a wrong issuer', async () => {
    expect(await rejection(verifier, await sign(current, {}, { alg: 'ES256', aud: 'another-api' }))).toMatch(/'aud'/);
    expect(await rejection(verifier, await sign(current, {}, { alg: 'ES256', iss: 'https://evil.example' }))).toMatch(/'iss'/);
  });

  it("refuses alg 'none'", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ client_id: 'x', scope: 'patients:read', kommuner: ['0301'], iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 300 })}.`;
    expect(await rejection(verifier, token)).toMatch(/not allowed|rejected/);
  });

  it('refuses HS256 signed with the public key as the HMAC secret (key confusion)', async () => {
    const rsa = await keyPair('key-rsa', 'RS256');
    jwks.setKeys([current.publicJwk, rsa.publicJwk]);
    const secret = new TextEncoder().encode(await exportSPKI(rsa.publicKey));
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ client_id: 'x', scope: 'patients:read', kommuner: ['0301'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'key-rsa' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(secret);
    expect(await rejection(verifier, token)).toBe('Token algorithm not allowed');
  });

  it('refuses a missing or malformed Authorization header', async () => {
    await expect(verifier.verify(undefined)).rejects.toBeInstanceOf(AuthenticationException);
    await expect(verifier.verify('Basic dXNlcjpwYXNz')).rejects.toBeInstanceOf(AuthenticationException);
  });
});

describe('TokenVerifier: issue time, lifetime and key binding', () => {
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  let key: Awaited<ReturnType<typeof keyPair>>;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    jwks = await jwksServer();
    key = await keyPair('key-lifetime', 'ES256');
    jwks.setKeys([key.publicJwk]);
    verifier = new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 30, jwksUri: jwks.url, jwksCooldownMs: 0 });
  });
  afterAll(() => jwks.close());

  it('refuses a token issued in the future beyond the clock tolerance (finding 7), accepts one within it', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await rejection(verifier, await sign(key, {}, { alg: 'ES256', iat: now + 600, exp: now + 900 }))).toBe('Token issued in the future');
    await expect(verifier.verify(`Bearer ${await sign(key, {}, { alg: 'ES256', iat: now + 20, exp: now + 300 })}`)).resolves.toMatchObject({ clientId: 'epj-legevakt' });
  });

  it('refuses a token whose lifetime (exp - iat) is over the maximum, however fresh (finding 7)', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await rejection(verifier, await sign(key, {}, { alg: 'ES256', iat: now, exp: now + 30 * 24 * 3600 }))).toMatch(/lifetime is over 3600 s/);
    await expect(verifier.verify(`Bearer ${await sign(key, {}, { alg: 'ES256', iat: now, exp: now + 3600 })}`)).resolves.toBeDefined();
  });

  it('refuses a token older than the maximum lifetime even if it claims a later exp (finding 7)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const strict = new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 30, jwksUri: jwks.url, maxTokenLifetimeSeconds: 600 });
    expect(await rejection(strict, await sign(key, {}, { alg: 'ES256', iat: now - 700, exp: now + 300 }))).toMatch(/older than the longest lifetime|lifetime is over/);
  });

  it('refuses a DPoP-bound token (cnf.jkt) sent as a bearer token, and a cnf it cannot check', async () => {
    const jkt = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
    expect(await rejection(verifier, await sign(key, { cnf: { jkt } }, { alg: 'ES256' }))).toMatch(/DPoP-bound token/);
    expect(await rejection(verifier, await sign(key, { cnf: { 'x5t#S256': jkt } }, { alg: 'ES256' }))).toMatch(/confirmation/);
    await expect(verifier.verifyToken(await sign(key, { cnf: { jkt } }, { alg: 'ES256' }))).resolves.toMatchObject({ boundKeyThumbprint: jkt });
  });

});

describe('TokenVerifier cache of verified tokens', () => {
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  let key1: Awaited<ReturnType<typeof keyPair>>;

  beforeEach(async () => {
    jwks = await jwksServer();
    key1 = await keyPair('cache-key-1', 'ES256');
    jwks.setKeys([key1.publicJwk]);
  });
  afterEach(async () => {
    jest.useRealTimers();
    await jwks.close();
  });

  const make = (cache?: { maxEntries?: number; ttlMs?: number }) => {
    const verifier = new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 30, jwksUri: jwks.url, jwksCooldownMs: 0, cache });
    // Full verifications (signature and claims) as opposed to cache hits.
    const full = jest.spyOn(verifier as unknown as { verifyFully(token: string): Promise<unknown> }, 'verifyFully');
    return { verifier, full };
  };
  /** Fakes only the clock (Date), so the JWKS server and jose's fetch keep working. */
  const fakeClock = () =>
    jest.useFakeTimers({ doNotFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'nextTick', 'queueMicrotask', 'hrtime', 'performance'] });

  it('verifies a token once and serves its repeats from the cache, each with its own Principal', async () => {
    const { verifier, full } = make();
    const token = await sign(key1, {}, { alg: 'ES256' });
    const first = await verifier.verify(`Bearer ${token}`);
    first.scopes.add('ops:admin');
    const second = await verifier.verify(`Bearer ${token}`);
    expect(full).toHaveBeenCalledTimes(1);
    expect(second).toMatchObject({ clientId: 'epj-legevakt' });
    expect([...second.scopes]).toEqual(['patients:read']);
  });

  it("respects the token's expiry: a cached token is refused once expired beyond the clock tolerance", async () => {
    fakeClock();
    const now = Math.floor(Date.now() / 1000);
    const { verifier, full } = make({ ttlMs: 3_600_000 });
    const token = await sign(key1, {}, { alg: 'ES256', iat: now, exp: now + 60 });
    await verifier.verify(`Bearer ${token}`);
    await verifier.verify(`Bearer ${token}`);
    expect(full).toHaveBeenCalledTimes(1);
    jest.setSystemTime((now + 60 + 31) * 1000);
    expect(await rejection(verifier, token)).toBe('Token expired');
  });

  it('keeps an entry no longer than its TTL, then verifies the token again', async () => {
    fakeClock();
    const { verifier, full } = make({ ttlMs: 1000 });
    const token = await sign(key1, {}, { alg: 'ES256' });
    await verifier.verify(`Bearer ${token}`);
    jest.setSystemTime(Date.now() + 500);
    await verifier.verify(`Bearer ${token}`);
    expect(full).toHaveBeenCalledTimes(1);
    jest.setSystemTime(Date.now() + 600);
    await verifier.verify(`Bearer ${token}`);
    expect(full).toHaveBeenCalledTimes(2);
  });

  it('refuses a cached token once its key is retired from the key set', async () => {
    const { verifier, full } = make();
    const oldToken = await sign(key1, {}, { alg: 'ES256' });
    await verifier.verify(`Bearer ${oldToken}`);
    await verifier.verify(`Bearer ${oldToken}`);
    expect(full).toHaveBeenCalledTimes(1);
    const key2 = await keyPair('cache-key-2', 'ES256');
    jwks.setKeys([key2.publicJwk]);
    // A token with the new kid makes the verifier refetch the key set, which no longer has key 1.
    await verifier.verify(`Bearer ${await sign(key2, {}, { alg: 'ES256' })}`);
    expect(await rejection(verifier, oldToken)).toMatch(/Token rejected/);
  });

  it('refuses a cached token when its kid is re-published with another key', async () => {
    const { verifier } = make();
    const token = await sign(key1, {}, { alg: 'ES256' });
    await verifier.verify(`Bearer ${token}`);
    const replacement = await keyPair(key1.kid, 'ES256');
    const other = await keyPair('cache-key-3', 'ES256');
    jwks.setKeys([replacement.publicJwk, other.publicJwk]);
    await verifier.verify(`Bearer ${await sign(other, {}, { alg: 'ES256' })}`);
    expect(await rejection(verifier, token)).toMatch(/Token rejected/);
  });

  it('is bounded: holds at most maxEntries tokens and drops the least recently used first', async () => {
    const { verifier, full } = make({ maxEntries: 3 });
    const tokens = await Promise.all([1, 2, 3, 4, 5].map((i) => sign(key1, { client_id: `client-${i}` }, { alg: 'ES256' })));
    for (const t of tokens.slice(0, 3)) await verifier.verify(`Bearer ${t}`);
    await verifier.verify(`Bearer ${tokens[0]}`); // token 1 is now the most recently used
    expect(full).toHaveBeenCalledTimes(3);
    for (const t of tokens.slice(3)) await verifier.verify(`Bearer ${t}`);
    expect(verifier.cachedTokens).toBe(3);
    full.mockClear();
    expect((await verifier.verify(`Bearer ${tokens[0]}`)).clientId).toBe('client-1');
    expect(full).toHaveBeenCalledTimes(0);
    expect((await verifier.verify(`Bearer ${tokens[1]}`)).clientId).toBe('client-2');
    expect(full).toHaveBeenCalledTimes(1);
    expect(verifier.cachedTokens).toBe(3);
  });

  it('caches nothing with maxEntries 0, and never a refused token', async () => {
    const { verifier, full } = make({ maxEntries: 0 });
    const token = await sign(key1, {}, { alg: 'ES256' });
    await verifier.verify(`Bearer ${token}`);
    await verifier.verify(`Bearer ${token}`);
    expect(full).toHaveBeenCalledTimes(2);
    const cached = make();
    const forged = await sign(await keyPair(key1.kid, 'ES256'), {}, { alg: 'ES256' });
    expect(await rejection(cached.verifier, forged)).toMatch(/Token rejected/);
    expect(await rejection(cached.verifier, forged)).toMatch(/Token rejected/);
    expect(cached.verifier.cachedTokens).toBe(0);
  });
});
