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
