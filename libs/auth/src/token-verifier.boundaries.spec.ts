import { exportJWK, generateKeyPair, JWK, KeyLike, SignJWT } from 'jose';
import { AuthenticationException, HELSEID_CLAIMS, TokenVerifier } from './token-verifier';

const ISSUER = 'https://helseid-sts.test.nhn.no';
const AUDIENCE = 'hendelseslager';
/** An RFC 7638 SHA-256 thumbprint is 32 bytes: 43 base64url characters. */
const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

describe('TokenVerifier at the edges of its rules (local JWKS)', () => {
  let privateKey: KeyLike;
  let publicJwk: JWK;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  const verifier = () => new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 5, localJwks: { keys: [publicJwk] } });
  const sign = (claims: Record<string, unknown> = {}, times: { iat?: number; exp?: number } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ client_id: 'epj-legevakt', scope: 'patients:read', kommuner: ['0301'], ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(times.iat ?? now)
      .setExpirationTime(times.exp ?? now + 300)
      .sign(privateKey);
  };
  const refusal = async (run: () => Promise<unknown>): Promise<string> => {
    try {
      await run();
    } catch (error) {
      expect(error).toBeInstanceOf(AuthenticationException);
      return (error as Error).message;
    }
    throw new Error('the token was accepted');
  };

  it('calls a token malformed unless the whole of it is three base64url parts', async () => {
    const token = await sign();
    const target = verifier();
    for (const malformed of [`!${token}`, `${token}!`, `${token}.x`, 'a.b', '']) {
      expect(await refusal(() => target.verifyToken(malformed))).toBe('Malformed access token');
    }
    await expect(target.verifyToken(token)).resolves.toMatchObject({ principal: { clientId: 'epj-legevakt' } });
  });

  it('refuses a cnf that is not an object with a 43-character jkt (RFC 9449 §6.1), and returns a well-formed jkt', async () => {
    const target = verifier();
    for (const cnf of [null, 'x', { jkt: `a${JKT}` }, { jkt: `${JKT}a` }, { jkt: JKT.slice(1) }, { 'x5t#S256': JKT }]) {
      expect(await refusal(async () => target.verifyToken(await sign({ cnf })))).toBe('Token confirmation (cnf) is not a DPoP key thumbprint');
    }
    await expect(target.verifyToken(await sign({ cnf: { jkt: JKT } }))).resolves.toMatchObject({ boundKeyThumbprint: JKT });
  });

  it("reads HelseID's security_level only as one digit 2, 3 or 4; null is no claim at all", async () => {
    const target = verifier();
    const level = async (value: unknown) => (await target.verifyToken(await sign({ [HELSEID_CLAIMS.securityLevel]: value }))).principal.securityLevel;
    expect(await level('4')).toBe(4);
    expect(await level(' 4')).toBe(0);
    expect(await level('4 ')).toBe(0);
    expect(await level(['4'])).toBe(0);
    expect(await level(true)).toBe(0);
    expect(await level(null)).toBeUndefined();
  });

  it('does not cache a token that expires at the very moment it is verified', async () => {
    const nowSeconds = 1_767_225_600;
    jest.useFakeTimers({ now: nowSeconds * 1000, doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    const target = verifier();
    // Within the 5 s clock tolerance, so still accepted; but there is no time left to serve it from the cache.
    await target.verifyToken(await sign({}, { iat: nowSeconds - 60, exp: nowSeconds }));
    expect(target.cachedTokens).toBe(0);
    await target.verifyToken(await sign({}, { iat: nowSeconds - 60, exp: nowSeconds + 1 }));
    expect(target.cachedTokens).toBe(1);
  });
});
