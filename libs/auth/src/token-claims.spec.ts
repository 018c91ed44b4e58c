import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, JWK, KeyLike, SignJWT } from 'jose';
import { constantTimeEqual } from './constant-time.util';
import { DEV_ISSUER, devJwks, loadOrCreateDevKey, mintDevToken } from './dev-issuer';
import { RateLimiter } from './rate-limiter';
import { ALLOWED_ALGORITHMS, AuthenticationException, HELSEID_CLAIMS, TOKEN_CACHE_DEFAULTS, TokenVerifier } from './token-verifier';

const ISSUER = 'https://helseid-sts.test.nhn.no';
const AUDIENCE = 'hendelseslager';

let privateKey: KeyLike;
let publicJwk: JWK;
let verifier: TokenVerifier;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  verifier = new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 30, localJwks: { keys: [publicJwk] }, cache: { maxEntries: 0 } });
});

function sign(claims: Record<string, unknown>, o: { iat?: number | null; exp?: number | null; kid?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: o.kid ?? 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE);
  if (o.iat !== null) jwt = jwt.setIssuedAt(o.iat ?? now);
  if (o.exp !== null) jwt = jwt.setExpirationTime(o.exp ?? now + 300);
  return jwt.sign(privateKey);
}

async function refusal(token: string, v = verifier): Promise<string> {
  const error = await v.verify(`Bearer ${token}`).catch((e) => e);
  expect(error).toBeInstanceOf(AuthenticationException);
  expect(error.name).toBe('AuthenticationException');
  return error.message;
}

describe('TokenVerifier: the claims it reads', () => {
  it('reads the dev issuer\'s short claim names, which win over HelseID\'s', async () => {
    const principal = await verifier.verify(
      `Bearer ${await sign({
        client_id: 'c', scope: 'patients:read  audit:read', kommuner: ['0301', '*', '301', 3428], org: 'org-short', [HELSEID_CLAIMS.childOrganisation]: 'child',
        hpr: 'hpr-short', [HELSEID_CLAIMS.hpr]: 'hpr-long', name: 'N', pid: 'pid-short', [HELSEID_CLAIMS.pid]: 'pid-long',
      })}`,
    );
    expect(principal).toEqual({
      clientId: 'c', scopes: new Set(['patients:read', 'audit:read']), kommuner: new Set(['0301', '*', '3428']),
      organisation: 'org-short', hpr: 'hpr-short', actorName: 'N', patientIdentifier: 'pid-short',
    });
  });

  it('takes HelseID\'s child organisation before the parent, and its HPR and pid claims', async () => {
    const principal = await verifier.verify(
      `Bearer ${await sign({ sub: 'from-sub', scope: ['patient:self', 'x'], [HELSEID_CLAIMS.parentOrganisation]: 'parent', [HELSEID_CLAIMS.childOrganisation]: 'child', [HELSEID_CLAIMS.hpr]: '9144900', [HELSEID_CLAIMS.pid]: '13116900216', org: '' })}`,
    );
    expect(principal).toEqual({
      clientId: 'from-sub', scopes: new Set(['patient:self', 'x']), kommuner: new Set(), organisation: 'child', hpr: '9144900', actorName: undefined, patientIdentifier: '13116900216',
    });
    expect((await verifier.verify(`Bearer ${await sign({ client_id: 'c', [HELSEID_CLAIMS.parentOrganisation]: 'parent' })}`)).organisation).toBe('parent');
    expect(HELSEID_CLAIMS).toEqual({
      parentOrganisation: 'helseid://claims/client/claims/orgnr_parent', childOrganisation: 'helseid://claims/client/claims/orgnr_child',
      hpr: 'helseid://claims/hpr/hpr_number', pid: 'helseid://claims/identity/pid', securityLevel: 'helseid://claims/identity/security_level',
    });
  });

  it('grants nothing for a scope or kommuner claim of another shape', async () => {
    const principal = await verifier.verify(`Bearer ${await sign({ client_id: 'c', scope: 42, kommuner: '0301', name: 7 })}`);
    expect([principal.scopes.size, principal.kommuner.size, principal.actorName]).toEqual([0, 0, undefined]);
    // A kommunenummer is exactly four digits.
    const partly = await verifier.verify(`Bearer ${await sign({ client_id: 'c', kommuner: ['x0301', '03011', '0301 ', '3428'] })}`);
    expect([...partly.kommuner]).toEqual(['3428']);
  });

  it('refuses a token without a client (client_id or sub as a string)', async () => {
    expect(await refusal(await sign({ scope: 'patients:read' }))).toBe('Token has no client_id');
    expect(await refusal(await sign({ client_id: 5 }))).toBe('Token has no client_id');
    expect(await refusal(await sign({ sub: 7 }))).toBe('Token has no client_id');
  });

  it('requires exp and iat, naming the claim', async () => {
    expect(await refusal(await sign({ client_id: 'c' }, { iat: null }))).toBe("Token claim 'iat' is not valid");
    expect(await refusal(await sign({ client_id: 'c' }, { exp: null }))).toBe("Token claim 'exp' is not valid");
  });

  it('refuses a token whose key is not in the local key set', async () => {
    expect(await refusal(await sign({ client_id: 'c' }, { kid: 'other' }))).toMatch(/^Token rejected \(ERR_JWKS_NO_MATCHING_KEY\)$/);
  });

  it('accepts only the Bearer scheme with a three-part token', async () => {
    const token = await sign({ client_id: 'c' });
    for (const header of [`bearer ${token}`, `Bearer  ${token}`, `Bearer ${token} `, ` Bearer ${token}`, `Bearer ${token}.x`, `Bearer ${token.split('.').slice(0, 2).join('.')}`, 'Bearer a.b+.c', '']) {
      const error = await verifier.verify(header).catch((e) => e);
      expect(error).toBeInstanceOf(AuthenticationException);
      expect(error.message).toBe('Missing or malformed Bearer token');
    }
    expect((await verifier.verify(`Bearer ${token}`)).clientId).toBe('c');
  });

  it('is configured with a key set, the asymmetric algorithms only, and cache defaults', () => {
    expect(() => new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 30 })).toThrow('TokenVerifier needs a JWKS URI or a local key set');
    expect(ALLOWED_ALGORITHMS).toEqual(['RS256', 'PS256', 'ES256']);
    expect(TOKEN_CACHE_DEFAULTS).toEqual({ maxEntries: 10_000, ttlMs: 60_000 });
  });

  it('caches tokens verified against a local key set too, until the key leaves it', async () => {
    const jwks = { keys: [publicJwk] };
    const cached = new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 30, localJwks: jwks });
    const token = await sign({ client_id: 'c' });
    await cached.verify(`Bearer ${token}`);
    expect(cached.cachedTokens).toBe(1);
    await cached.verify(`Bearer ${token}`);
    expect(cached.cachedTokens).toBe(1);
    // A token without a kid is verified every time and never cached.
    const noKid = await new SignJWT({ client_id: 'c' }).setProtectedHeader({ alg: 'ES256' }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('5m').sign(privateKey);
    await cached.verify(`Bearer ${noKid}`);
    expect(cached.cachedTokens).toBe(1);
  });
});

describe('the development issuer', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'dev-issuer-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('mints ES256 tokens that a verifier trusting its key set accepts, with every claim asked for', async () => {
    const keyFile = join(dir, 'nested', 'dev-key.json');
    const token = await mintDevToken(keyFile, {
      client: 'cli', scopes: ['patients:read', 'ops:admin'], kommuner: ['3428'], audience: AUDIENCE, organisation: '974600951', hpr: '9144900', name: 'Lege', patientIdentifier: '13116900216', expiresInSeconds: 120,
    });
    const v = new TokenVerifier({ issuer: DEV_ISSUER, audience: AUDIENCE, clockToleranceSeconds: 0, localJwks: await devJwks(keyFile) });
    expect(await v.verify(`Bearer ${token}`)).toEqual({
      clientId: 'cli', scopes: new Set(['patients:read', 'ops:admin']), kommuner: new Set(['3428']), organisation: '974600951', hpr: '9144900', actorName: 'Lege', patientIdentifier: '13116900216',
    });
    const [header, payload] = token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload).toMatchObject({ iss: 'urn:hendelseslager:dev-issuer', aud: AUDIENCE, sub: 'cli' });
    expect(payload.exp - payload.iat).toBe(120);
    expect(typeof payload.jti).toBe('string');
    // The key file is kept, private to its owner, and reused.
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(keyFile, 'utf8'));
    expect(stored.publicJwk).toMatchObject({ kid: header.kid, alg: 'ES256', use: 'sig', kty: 'EC' });
    expect(stored.publicJwk.d).toBeUndefined();
    expect(await loadOrCreateDevKey(keyFile)).toEqual(stored);
  });

  it('leaves out the claims not asked for, and lasts an hour by default', async () => {
    const token = await mintDevToken(join(dir, 'k2.json'), { client: 'c', scopes: [], kommuner: [], audience: AUDIENCE });
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    expect(Object.keys(payload).sort()).toEqual(['aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'kommuner', 'scope', 'sub']);
    expect(payload.exp - payload.iat).toBe(3600);
  });
});

describe('RateLimiter: waiting times and memory', () => {
  it('says how many whole seconds until the next request is allowed', () => {
    let now = 0;
    const limiter = new RateLimiter(0.5, 1, () => now);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(2);
    now = 1000;
    expect(limiter.take('a')).toBe(1);
    now = 2000;
    expect(limiter.take('a')).toBe(0);
    const fast = new RateLimiter(10, 1, () => now);
    fast.take('b');
    expect(fast.take('b')).toBe(1);
  });

  it('refills no more than the burst', () => {
    let now = 0;
    const limiter = new RateLimiter(1, 2, () => now);
    now = 100_000;
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 1]);
  });

  it('beyond 10,000 clients forgets the refilled ones, but never the client asking', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 1, () => now);
    for (let i = 0; i < 9_999; i++) limiter.take(`c${i}`);
    const buckets = (limiter as unknown as { buckets: Map<string, unknown> }).buckets;
    now = 900;
    limiter.take('recent');
    // Exactly 10,000 clients: nothing is forgotten yet.
    expect(buckets.size).toBe(10_000);
    now = 1000;
    // Every client has used its burst: a new one is limited like the others, and counted.
    expect([limiter.take('new'), limiter.take('new')]).toEqual([0, 1]);
    // The clients of time 0 have refilled (a second at 2 per second) and are forgotten; 'recent' has
    // not (0.1 s), and the client asking never is.
    expect([...buckets.keys()].sort()).toEqual(['new', 'recent']);
    expect(limiter.take('new')).toBe(1);
  });
});

describe('constantTimeEqual', () => {
  it('compares strings and buffers by content', () => {
    expect(constantTimeEqual(Buffer.from('abc'), 'abc')).toBe(true);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('', 'a')).toBe(false);
  });
});
