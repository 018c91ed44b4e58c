import { decodeProtectedHeader, EmbeddedJWK, exportJWK, generateKeyPair, JWK, jwtVerify, SignJWT } from 'jose';
import { BACKCHANNEL_LOGOUT_EVENT, checkCallback, LOGIN_MAX_AGE_SECONDS, LOGOUT_TOKEN_MAX_AGE_SECONDS, newPendingLogin, OidcClient, pkceChallenge } from './oidc-client';

const ISSUER = 'https://idp.example';
const CLIENT = 'hendelseslager-web';

describe('PKCE, state and nonce', () => {
  it('computes the S256 challenge of RFC 7636 appendix B', () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes a fresh 43-character state, nonce and verifier for every login', () => {
    const a = newPendingLogin();
    const b = newPendingLogin();
    for (const value of [a.state, a.nonce, a.codeVerifier]) expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([a.state, a.nonce, a.codeVerifier, b.state, b.nonce, b.codeVerifier]).size).toBe(6);
  });
});

describe('checkCallback', () => {
  const pending = { state: 's'.repeat(43), nonce: 'n', codeVerifier: 'v', startedAt: Math.floor(Date.now() / 1000) };
  const code = (params: Record<string, unknown>, p: typeof pending | null = pending, now = Date.now()) => {
    try {
      return checkCallback(params, p ?? undefined, ISSUER, now);
    } catch (error) {
      return (error as { code: string }).code;
    }
  };

  it('returns the code when state (and iss, when sent) match', () => {
    expect(code({ code: 'abc', state: pending.state })).toBe('abc');
    expect(code({ code: 'abc', state: pending.state, iss: ISSUER })).toBe('abc');
  });

  it('refuses a wrong or missing state, no login started, an error answer, another issuer (mix-up), an old login, no code', () => {
    expect(code({ code: 'abc', state: 'x'.repeat(43) })).toBe('state_mismatch');
    expect(code({ code: 'abc' })).toBe('state_mismatch');
    expect(code({ code: 'abc', state: pending.state }, null)).toBe('no_pending_login');
    expect(code({ error: 'access_denied', state: pending.state })).toBe('provider_error');
    expect(code({ code: 'abc', state: pending.state, iss: 'https://evil.example' })).toBe('issuer_mismatch');
    expect(code({ code: 'abc', state: pending.state }, pending, (pending.startedAt + LOGIN_MAX_AGE_SECONDS + 1) * 1000)).toBe('login_expired');
    expect(code({ state: pending.state })).toBe('no_code');
  });
});

/**
 * The key pairs of the providers below, made once per file: RSA key generation is the slow part
 * of these specs, and every provider's state (claims, counters, published keys) is its own anyway.
 */
const providerKeys = (async () => ({
  signing: await generateKeyPair('RS256', { extractable: true }),
  other: await generateKeyPair('RS256', { extractable: true }),
  client: await generateKeyPair('ES256', { extractable: true }),
}))();

/** A provider in memory: discovery, JWKS and a token endpoint answering with the ID token `idToken()` makes. */
async function fakeProvider(options: { dpopNonce?: string } = {}) {
  const { signing, other, client } = await providerKeys;
  const clientJwk: JWK = { ...(await exportJWK(client.privateKey)), kid: 'client-key', alg: 'ES256' };
  const publicJwk = { ...(await exportJWK(signing.publicKey)), kid: 'idp-key', alg: 'RS256', use: 'sig' };
  const tokenRequests: URLSearchParams[] = [];
  const dpopProofs: string[] = [];
  let claims: Record<string, unknown> = {};
  let key = signing.privateKey;
  let published: JWK[] = [publicJwk];
  let jwksFetches = 0;
  let jwksStatus = 200;
  const metadata = { dpop_signing_alg_values_supported: ['ES256'], issuer: ISSUER, authorization_endpoint: `${ISSUER}/auth`, token_endpoint: `${ISSUER}/token`, jwks_uri: `${ISSUER}/jwks`, end_session_endpoint: `${ISSUER}/session/end`, code_challenge_methods_supported: ['S256'] };
  const idToken = () =>
    new SignJWT({ nonce: 'the-nonce', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'idp-key' })
      .setIssuer((claims.iss as string) ?? ISSUER)
      .setAudience((claims.aud as string) ?? CLIENT)
      .setSubject('person-1')
      .setIssuedAt()
      .setExpirationTime((claims.exp as number) ?? '5m')
      .sign(key);
  const fakeFetch = (async (input: string | URL, init?: RequestInit) => {
    const url = String(input);
    if (url === `${ISSUER}/.well-known/openid-configuration`) return Response.json(metadata);
    if (url === `${ISSUER}/jwks`) {
      jwksFetches += 1;
      return jwksStatus === 200 ? Response.json({ keys: published }) : new Response('unavailable', { status: jwksStatus });
    }
    if (url === `${ISSUER}/token`) {
      tokenRequests.push(new URLSearchParams(String(init?.body)));
      const proof = (init?.headers as Record<string, string> | undefined)?.DPoP;
      if (proof) dpopProofs.push(proof);
      if (options.dpopNonce && dpopProofs.length === 1) return Response.json({ error: 'use_dpop_nonce' }, { status: 400, headers: { 'DPoP-Nonce': options.dpopNonce } });
      return Response.json({ id_token: await idToken(), access_token: 'at', token_type: 'Bearer' });
    }
    return new Response('not found', { status: 404 });
  }) as typeof fetch;
  const oidc = new OidcClient({ issuer: ISSUER, clientId: CLIENT, privateJwk: () => clientJwk, redirectUri: 'https://hub.example/auth/callback', scopes: ['openid', 'profile'], clockToleranceSeconds: 5, fetch: fakeFetch });
  return {
    oidc,
    tokenRequests,
    dpopProofs,
    clientPublic: client.publicKey,
    setClaims: (c: Record<string, unknown>) => (claims = c),
    /** The provider's endpoints, for a client of another configuration. */
    fetch: fakeFetch,
    /** How often the client fetched the provider's JWKS. */
    jwksFetches: () => jwksFetches,
    /** The provider rotates to a new signing key (published from now on); returns a signer with it. */
    rotate: async () => {
      const next = await generateKeyPair('RS256', { extractable: true });
      published = [...published, { ...(await exportJWK(next.publicKey)), kid: 'idp-key-2', alg: 'RS256', use: 'sig' }];
      return (payload: Record<string, unknown>) => new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'idp-key-2' }).sign(next.privateKey);
    },
    setJwksStatus: (status: number) => (jwksStatus = status),
    signWithOtherKey: () => (key = other.privateKey),
    /** A JWT with exactly these claims, signed by the provider's published key (or another one). */
    sign: (payload: Record<string, unknown>, header: Record<string, unknown> = { typ: 'logout+jwt' }, withOtherKey = false) =>
      new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'idp-key', ...header }).sign(withOtherKey ? other.privateKey : signing.privateKey),
  };
}

describe('OidcClient against a provider in memory', () => {
  const pending = { state: 'st', nonce: 'the-nonce', codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', startedAt: 0 };

  it('asks for the code with S256, state and nonce at the discovered authorization endpoint', async () => {
    const { oidc } = await fakeProvider();
    const url = new URL(await oidc.authorizationUrl(pending));
    expect(url.origin + url.pathname).toBe(`${ISSUER}/auth`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: CLIENT,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: 'st',
      nonce: 'the-nonce',
    });
  });

  it('sends the verifier and a private_key_jwt assertion (iss = sub = client, aud = issuer, jti, short exp), and returns the verified claims', async () => {
    const { oidc, tokenRequests, clientPublic } = await fakeProvider();
    const { claims } = await oidc.completeLogin('the-code', pending);
    expect(claims).toMatchObject({ sub: 'person-1', nonce: 'the-nonce' });
    const body = tokenRequests[0];
    expect(body.get('grant_type')).toBe('authorization_code');
    expect(body.get('code_verifier')).toBe(pending.codeVerifier);
    expect(body.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(body.get('client_secret')).toBeNull();
    const { payload } = await jwtVerify(body.get('client_assertion')!, clientPublic, { issuer: CLIENT, subject: CLIENT, audience: ISSUER });
    expect(typeof payload.jti).toBe('string');
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(60);
  });

  it('proves possession of a fresh key with DPoP at the token endpoint (RFC 9449), and follows a provider nonce', async () => {
    const { oidc, dpopProofs, tokenRequests } = await fakeProvider({ dpopNonce: 'server-nonce' });
    await oidc.completeLogin('the-code', pending);
    expect(dpopProofs).toHaveLength(2);
    const proofs = await Promise.all(dpopProofs.map((proof) => jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] })));
    for (const { payload } of proofs) expect(payload).toMatchObject({ htm: 'POST', htu: `${ISSUER}/token` });
    expect(proofs[0].payload.nonce).toBeUndefined();
    expect(proofs[1].payload.nonce).toBe('server-nonce');
    expect(proofs[0].payload.jti).not.toBe(proofs[1].payload.jti);
    expect(decodeProtectedHeader(dpopProofs[0]).jwk).not.toHaveProperty('d');
    // The retry carries a fresh client assertion too (a provider may remember assertion jtis).
    expect(tokenRequests[0].get('client_assertion')).not.toBe(tokenRequests[1].get('client_assertion'));
  });

  it.each([
    ['another nonce (a replayed or injected ID token)', { nonce: 'other' }, 'nonce_mismatch'],
    ['another audience', { aud: 'some-other-client' }, 'id_token_invalid'],
    ['another issuer', { iss: 'https://evil.example' }, 'id_token_invalid'],
    ['an expired ID token', { exp: Math.floor(Date.now() / 1000) - 60 }, 'id_token_expired'],
  ])('refuses %s', async (_what, claims, expected) => {
    const provider = await fakeProvider();
    provider.setClaims(claims);
    await expect(provider.oidc.completeLogin('the-code', pending)).rejects.toMatchObject({ code: expected });
  });

  it('refuses an ID token signed with a key the provider does not publish', async () => {
    const provider = await fakeProvider();
    provider.signWithOtherKey();
    await expect(provider.oidc.completeLogin('the-code', pending)).rejects.toMatchObject({ code: 'id_token_invalid' });
  });

  it('refuses an unsigned ID token (alg none)', async () => {
    const { oidc } = await fakeProvider();
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ iss: ISSUER, aud: CLIENT, sub: 'x', nonce: 'the-nonce', iat: 1, exp: 9999999999 })).toString('base64url');
    await expect(oidc.verifyIdToken(`${header}.${payload}.`, 'the-nonce')).rejects.toMatchObject({ code: 'id_token_invalid' });
  });

  it('sends the browser to the end_session_endpoint with the ID token hint at logout', async () => {
    const { oidc } = await fakeProvider();
    const url = new URL((await oidc.logoutUrl('id.token.hint', 'https://hub.example/'))!);
    expect(url.pathname).toBe('/session/end');
    expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: CLIENT, post_logout_redirect_uri: 'https://hub.example/', id_token_hint: 'id.token.hint' });
  });

});

describe('OidcClient: back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0, 2.6)', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const valid = () => ({ iss: ISSUER, aud: CLIENT, iat: now(), exp: now() + 120, jti: 'logout-1', sid: 'provider-session', sub: 'person-1', events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } });
  const refusal = async (payload: Record<string, unknown>, header?: Record<string, unknown>, otherKey = false) => {
    const provider = await fakeProvider();
    return provider.oidc.verifyLogoutToken(await provider.sign(payload, header, otherKey)).then(
      () => 'accepted',
      (error: { code?: string }) => error.code,
    );
  };

  it('accepts a valid token and names the session, the subject, and how long its jti must be remembered', async () => {
    const provider = await fakeProvider();
    const token = valid();
    const verified = await provider.oidc.verifyLogoutToken(await provider.sign(token));
    expect(verified).toEqual({ jti: 'logout-1', sid: 'provider-session', sub: 'person-1', expiresAtMs: (token.iat + LOGOUT_TOKEN_MAX_AGE_SECONDS + 5) * 1000 });
    const { sid: _sid, ...subjectOnly } = valid();
    expect(await provider.oidc.verifyLogoutToken(await provider.sign(subjectOnly))).toMatchObject({ sid: undefined, sub: 'person-1' });
    const { sub: _sub, ...sessionOnly } = valid();
    expect(await provider.oidc.verifyLogoutToken(await provider.sign(sessionOnly, { typ: 'JWT' }))).toMatchObject({ sid: 'provider-session', sub: undefined });
  });

  it.each([
    ['a nonce (an ID token passed off as a logout token)', { nonce: 'n' }],
    ['no events claim', { events: undefined }],
    ['events without the back-channel logout member', { events: { 'http://schemas.openid.net/event/other': {} } }],
    ['a back-channel logout event that is not an object', { events: { [BACKCHANNEL_LOGOUT_EVENT]: 'yes' } }],
    ['neither sid nor sub', { sid: undefined, sub: undefined }],
    ['no jti', { jti: undefined }],
    ['no iat', { iat: undefined }],
    ['an iat older than the maximum age', { iat: Math.floor(Date.now() / 1000) - LOGOUT_TOKEN_MAX_AGE_SECONDS - 60 }],
    ['an iat in the future', { iat: Math.floor(Date.now() / 1000) + 600, exp: Math.floor(Date.now() / 1000) + 900 }],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 60 }],
    ['another audience', { aud: 'some-other-client' }],
    ['another issuer', { iss: 'https://evil.example' }],
  ])('refuses %s', async (_what, change) => {
    expect(await refusal({ ...valid(), ...change })).toBe('logout_token_invalid');
  });

  it('refuses another type, a key the provider does not publish, and alg none', async () => {
    expect(await refusal(valid(), { typ: 'at+jwt' })).toBe('logout_token_invalid');
    expect(await refusal(valid(), undefined, true)).toBe('logout_token_invalid');
    const { oidc } = await fakeProvider();
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify(valid())).toString('base64url')}.`;
    await expect(oidc.verifyLogoutToken(unsigned)).rejects.toMatchObject({ code: 'logout_token_invalid' });
  });
});

describe('OidcClient: what each refusal of an ID token says', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (extra: Record<string, unknown> = {}) => ({ iss: ISSUER, aud: CLIENT, sub: 'person-1', iat: now(), exp: now() + 300, nonce: 'the-nonce', ...extra });
  const verify = async (payload: Record<string, unknown>, otherKey = false) => {
    const provider = await fakeProvider();
    return provider.oidc.verifyIdToken(await provider.sign(payload, {}, otherKey), 'the-nonce').then(
      (verified) => ({ accepted: verified.sub }),
      (error: { code?: string; message?: string }) => ({ code: error.code, message: error.message }),
    );
  };

  it('requires sub, exp, iat and nonce, naming the missing claim', async () => {
    for (const claim of ['sub', 'exp', 'iat']) {
      expect(await verify(claims({ [claim]: undefined }))).toEqual({ code: 'id_token_invalid', message: `ID token claim '${claim}' is not valid` });
    }
    expect(await verify(claims({ nonce: undefined }))).toEqual({ code: 'id_token_invalid', message: "ID token claim 'nonce' is not valid" });
  });

  it('says which check refused: nonce, expiry, signature', async () => {
    expect(await verify(claims({ nonce: 'other' }))).toEqual({ code: 'nonce_mismatch', message: 'The ID token was not issued for this sign-in' });
    expect(await verify(claims({ exp: now() - 60 }))).toEqual({ code: 'id_token_expired', message: 'The ID token has expired' });
    expect(await verify(claims(), true)).toEqual({ code: 'id_token_invalid', message: 'ID token rejected (ERR_JWS_SIGNATURE_VERIFICATION_FAILED)' });
  });

  it('with several audiences, requires azp to name this client (OpenID Connect Core 3.1.3.7)', async () => {
    expect(await verify(claims({ aud: [CLIENT, 'other-client'] }))).toEqual({ code: 'azp_mismatch', message: 'The ID token was issued to another client' });
    expect(await verify(claims({ aud: [CLIENT, 'other-client'], azp: 'other-client' }))).toMatchObject({ code: 'azp_mismatch' });
    expect(await verify(claims({ aud: [CLIENT, 'other-client'], azp: CLIENT }))).toEqual({ accepted: 'person-1' });
    expect(await verify(claims({ aud: [CLIENT] }))).toEqual({ accepted: 'person-1' });
  });

  it('asks for the configured scopes, separated by spaces', async () => {
    const { oidc } = await fakeProvider();
    const url = new URL(await oidc.authorizationUrl({ state: 's', nonce: 'n', codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', startedAt: 0 }));
    expect(url.searchParams.get('scope')).toBe('openid profile');
    expect(url.searchParams.get('redirect_uri')).toBe('https://hub.example/auth/callback');
  });

  it('signs the client assertion as a JWT with the key\'s kid, and with ES256 when the key names no algorithm', async () => {
    const key = await generateKeyPair('ES256', { extractable: true });
    const privateJwk: JWK = { ...(await exportJWK(key.privateKey)), kid: 'no-alg-key' };
    const assertions: string[] = [];
    const provider = await fakeProvider();
    const oidc = new OidcClient({
      issuer: ISSUER, clientId: CLIENT, privateJwk: () => privateJwk, redirectUri: 'https://hub.example/auth/callback', scopes: ['openid'], clockToleranceSeconds: 5,
      fetch: (async (input: string | URL, init?: RequestInit) => {
        if (String(input) !== `${ISSUER}/token`) return provider.fetch(input, init);
        assertions.push(new URLSearchParams(String(init?.body)).get('client_assertion')!);
        return Response.json({ error: 'invalid_client' }, { status: 401 });
      }) as typeof fetch,
    });
    await expect(oidc.completeLogin('code', { state: 's', nonce: 'n', codeVerifier: 'v', startedAt: 0 })).rejects.toMatchObject({ code: 'token_refused' });
    expect(decodeProtectedHeader(assertions[0])).toEqual({ alg: 'ES256', kid: 'no-alg-key', typ: 'JWT' });
    await jwtVerify(assertions[0], key.publicKey, { issuer: CLIENT, audience: ISSUER });
  });
});

describe('OidcClient: back-channel logout tokens, claim by claim', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const valid = (extra: Record<string, unknown> = {}) => ({ iss: ISSUER, aud: CLIENT, iat: now(), jti: 'logout-1', sid: 'provider-session', sub: 'person-1', events: { [BACKCHANNEL_LOGOUT_EVENT]: {} }, ...extra });
  const verify = async (payload: Record<string, unknown>, header: Record<string, unknown> = { typ: 'logout+jwt' }, otherKey = false) => {
    const provider = await fakeProvider();
    return provider.oidc.verifyLogoutToken(await provider.sign(payload, header, otherKey)).then(
      (verified) => ({ sid: verified.sid, sub: verified.sub, jti: verified.jti }),
      (error: { code?: string; message?: string }) => ({ code: error.code, message: error.message }),
    );
  };
  const refused = (message: string) => ({ code: 'logout_token_invalid', message });

  it('accepts the media type form of the type, and says what another type is', async () => {
    expect(await verify(valid(), { typ: 'application/logout+jwt' })).toMatchObject({ jti: 'logout-1' });
    expect(await verify(valid(), {})).toMatchObject({ jti: 'logout-1' });
    expect(await verify(valid(), { typ: 'at+jwt' })).toEqual(refused('The logout token has another type'));
  });

  it('takes a jti of 1 to 256 characters', async () => {
    expect(await verify(valid({ jti: 'j'.repeat(256) }))).toMatchObject({ jti: 'j'.repeat(256) });
    expect(await verify(valid({ jti: 'j' }))).toMatchObject({ jti: 'j' });
    for (const jti of ['', 'j'.repeat(257), 42]) expect(await verify(valid({ jti }))).toEqual(refused('The logout token has no jti'));
    expect(await verify(valid({ jti: undefined }))).toEqual(refused("Logout token claim 'jti' is not valid"));
  });

  it('needs the back-channel logout member of events, as an object', async () => {
    for (const events of [null, 'logout', [], { [BACKCHANNEL_LOGOUT_EVENT]: null }, { [BACKCHANNEL_LOGOUT_EVENT]: [] }, { [BACKCHANNEL_LOGOUT_EVENT]: 'yes' }, { other: {} }]) {
      expect(await verify(valid({ events }))).toEqual(refused('The logout token has no back-channel logout event'));
    }
    expect(await verify(valid({ events: undefined }))).toEqual(refused("Logout token claim 'events' is not valid"));
  });

  it('names the session and the subject only when they are non-empty strings, and needs one of them', async () => {
    expect(await verify(valid({ sid: '' }))).toEqual({ sid: undefined, sub: 'person-1', jti: 'logout-1' });
    expect(await verify(valid({ sid: 7 }))).toEqual({ sid: undefined, sub: 'person-1', jti: 'logout-1' });
    expect(await verify(valid({ sub: '' }))).toEqual({ sid: 'provider-session', sub: undefined, jti: 'logout-1' });
    expect(await verify(valid({ sub: 7 }))).toEqual({ sid: 'provider-session', sub: undefined, jti: 'logout-1' });
    expect(await verify(valid({ sid: '', sub: '' }))).toEqual(refused('The logout token names neither a session (sid) nor a subject (sub)'));
  });

  it('says which claim or check refused it', async () => {
    expect(await verify(valid({ nonce: 'n' }))).toEqual(refused('A logout token carries no nonce'));
    expect(await verify(valid({ exp: now() - 60 }))).toEqual(refused("Logout token claim 'exp' is not valid"));
    expect(await verify(valid({ iat: now() - LOGOUT_TOKEN_MAX_AGE_SECONDS - 60 }))).toEqual(refused("Logout token claim 'iat' is not valid"));
    expect(await verify(valid(), undefined, true)).toEqual(refused('Logout token rejected (ERR_JWS_SIGNATURE_VERIFICATION_FAILED)'));
  });

  it('accepts an iat up to the clock tolerance ahead, not further', async () => {
    const provider = await fakeProvider();
    const at = 1_767_225_600;
    const token = async (iat: number) => provider.sign(valid({ iat }));
    await expect(provider.oidc.verifyLogoutToken(await token(at + 5), at * 1000)).resolves.toMatchObject({ jti: 'logout-1' });
    await expect(provider.oidc.verifyLogoutToken(await token(at + 6), at * 1000)).rejects.toMatchObject({ code: 'logout_token_invalid', message: "Logout token claim 'iat' is not valid" });
  });
});

describe('OidcClient: the provider\'s key set', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const claims = () => ({ iss: ISSUER, aud: CLIENT, sub: 'person-1', iat: now(), exp: now() + 300, nonce: 'the-nonce' });
  let clock: jest.SpyInstance<number, []>;
  let time = 0;
  beforeEach(() => {
    time = Date.now();
    clock = jest.spyOn(Date, 'now').mockImplementation(() => time);
  });
  afterEach(() => clock.mockRestore());

  it('is fetched once and kept for 10 minutes', async () => {
    const provider = await fakeProvider();
    const token = await provider.sign(claims(), {});
    await provider.oidc.verifyIdToken(token, 'the-nonce');
    await provider.oidc.verifyIdToken(token, 'the-nonce');
    expect(provider.jwksFetches()).toBe(1);
    time += 10 * 60_000 - 1;
    await provider.oidc.verifyIdToken(token, 'the-nonce');
    expect(provider.jwksFetches()).toBe(1);
    time += 1;
    await provider.oidc.verifyIdToken(token, 'the-nonce');
    expect(provider.jwksFetches()).toBe(2);
  });

  it('is fetched again for a key it does not have yet, at most every 30 s (the provider rotated its keys)', async () => {
    const provider = await fakeProvider();
    await provider.oidc.verifyIdToken(await provider.sign(claims(), {}), 'the-nonce');
    const signWithNewKey = await provider.rotate();
    const rotated = await signWithNewKey(claims());
    time += 30_000 - 1;
    await expect(provider.oidc.verifyIdToken(rotated, 'the-nonce')).rejects.toMatchObject({ code: 'id_token_invalid', message: 'ID token rejected (ERR_JWKS_NO_MATCHING_KEY)' });
    expect(provider.jwksFetches()).toBe(1);
    time += 1;
    await expect(provider.oidc.verifyIdToken(rotated, 'the-nonce')).resolves.toMatchObject({ sub: 'person-1' });
    expect(provider.jwksFetches()).toBe(2);
  });

  it('is not fetched again for a signature that does not verify, however long ago it was fetched', async () => {
    const provider = await fakeProvider();
    await provider.oidc.verifyIdToken(await provider.sign(claims(), {}), 'the-nonce');
    time += 60_000;
    await expect(provider.oidc.verifyIdToken(await provider.sign(claims(), {}, true), 'the-nonce')).rejects.toMatchObject({ code: 'id_token_invalid' });
    expect(provider.jwksFetches()).toBe(1);
  });

  it('that cannot be fetched refuses the sign-in and the logout token, naming the status', async () => {
    const provider = await fakeProvider();
    provider.setJwksStatus(503);
    await expect(provider.oidc.verifyIdToken(await provider.sign(claims(), {}), 'the-nonce')).rejects.toMatchObject({ code: 'discovery_failed', message: "The identity provider's key set answered 503" });
    await expect(provider.oidc.verifyLogoutToken(await provider.sign({ iss: ISSUER, aud: CLIENT, iat: now(), jti: 'j', sub: 's', events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } }))).rejects.toMatchObject({ code: 'discovery_failed' });
  });
});
