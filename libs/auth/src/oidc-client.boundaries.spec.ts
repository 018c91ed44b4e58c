import { exportJWK, generateKeyPair } from 'jose';
import { checkCallback, LOGIN_MAX_AGE_SECONDS, newPendingLogin, OidcClient, providerSubjectHash, SignInException } from './oidc-client';

const ISSUER = 'https://helseid-sts.test.nhn.no';

describe('checkCallback at its limits', () => {
  const startedAt = 1_767_225_600;
  const pending = { state: 's'.repeat(43), nonce: 'n', codeVerifier: 'v', startedAt };
  const refusal = (params: Record<string, unknown>, p: typeof pending | null = pending, now = startedAt * 1000): SignInException => {
    try {
      checkCallback(params, p ?? undefined, ISSUER, now);
    } catch (error) {
      expect(error).toBeInstanceOf(SignInException);
      return error as SignInException;
    }
    throw new Error('the callback was accepted');
  };

  it(`accepts a login exactly ${LOGIN_MAX_AGE_SECONDS} s old, not one a second older`, () => {
    expect(checkCallback({ code: 'abc', state: pending.state }, pending, ISSUER, (startedAt + LOGIN_MAX_AGE_SECONDS) * 1000)).toBe('abc');
    expect(refusal({ code: 'abc', state: pending.state }, pending, (startedAt + LOGIN_MAX_AGE_SECONDS + 1) * 1000).code).toBe('login_expired');
  });

  it('accepts a code of 1 to 2048 characters and refuses an empty, longer or non-string code', () => {
    expect(checkCallback({ code: 'c'.repeat(2048), state: pending.state }, pending, ISSUER, startedAt * 1000)).toHaveLength(2048);
    expect(checkCallback({ code: 'c', state: pending.state }, pending, ISSUER, startedAt * 1000)).toBe('c');
    for (const code of ['', 'c'.repeat(2049), 42, ['abc']]) expect(refusal({ code, state: pending.state }).code).toBe('no_code');
  });

  it('refuses with a named exception whose message the page can show, echoing nothing the provider sent', () => {
    const refusals = [
      refusal({ code: 'abc', state: pending.state }, null),
      refusal({ error: 'access_denied', error_description: '<script>', state: pending.state }),
      refusal({ code: 'abc', state: 'x' }),
      refusal({ code: 'abc', state: pending.state }, pending, (startedAt + LOGIN_MAX_AGE_SECONDS + 1) * 1000),
      refusal({ code: 'abc', state: pending.state, iss: 'https://evil.example' }),
      refusal({ state: pending.state }),
    ];
    expect(refusals.map((r) => r.code)).toEqual(['no_pending_login', 'provider_error', 'state_mismatch', 'login_expired', 'issuer_mismatch', 'no_code']);
    for (const r of refusals) {
      expect(r.name).toBe('SignInException');
      expect(r.message).toMatch(/sign-in|identity provider/i);
      expect(r.message).not.toMatch(/<script>|evil/);
    }
  });
});

describe('newPendingLogin', () => {
  it('records when the login started in whole seconds since the epoch', () => {
    expect(newPendingLogin(1_767_225_600_999).startedAt).toBe(1_767_225_600);
  });
});

describe('providerSubjectHash', () => {
  it('is a fixed-length digest per issuer and subject that does not contain the subject', () => {
    const hash = providerSubjectHash(ISSUER, 'subject-1');
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(providerSubjectHash(ISSUER, 'subject-1')).toBe(hash);
    expect(providerSubjectHash(ISSUER, 'subject-2')).not.toBe(hash);
    expect(providerSubjectHash('https://other-idp.example', 'subject-1')).not.toBe(hash);
    expect(hash).not.toContain('subject');
  });
});

describe('OidcClient.discover (OpenID Connect Discovery 1.0)', () => {
  const metadata = { issuer: ISSUER, authorization_endpoint: `${ISSUER}/connect/authorize`, token_endpoint: `${ISSUER}/connect/token`, jwks_uri: `${ISSUER}/.well-known/openid-configuration/jwks`, code_challenge_methods_supported: ['plain', 'S256'] };
  const client = (answer: () => Promise<Response>, issuer = ISSUER) => {
    const calls: string[] = [];
    const fetchStub = (async (input: string | URL | Request) => {
      calls.push(String(input));
      return answer();
    }) as typeof fetch;
    return { calls, oidc: new OidcClient({ issuer, clientId: 'web', privateJwk: () => ({ kty: 'EC' }), redirectUri: 'https://hub.kommune.no/auth/callback', scopes: ['openid'], clockToleranceSeconds: 5, fetch: fetchStub }) };
  };
  const json = (body: unknown, status = 200) => async () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  const failure = async (oidc: OidcClient): Promise<SignInException> => {
    try {
      await oidc.discover();
    } catch (error) {
      expect(error).toBeInstanceOf(SignInException);
      return error as SignInException;
    }
    throw new Error('discovery succeeded');
  };

  it('reads the document at issuer + /.well-known/openid-configuration, once', async () => {
    const { calls, oidc } = client(json(metadata));
    await expect(oidc.discover()).resolves.toMatchObject({ token_endpoint: metadata.token_endpoint });
    await oidc.discover();
    expect(calls).toEqual([`${ISSUER}/.well-known/openid-configuration`]);
  });

  it('does not double the slash for an issuer ending in one', async () => {
    const { calls, oidc } = client(json({ ...metadata, issuer: `${ISSUER}/` }), `${ISSUER}/`);
    await oidc.discover();
    expect(calls).toEqual([`${ISSUER}/.well-known/openid-configuration`]);
  });

  it('refuses an error answer, another issuer (§4.3) and a provider without PKCE S256, and tries again next time', async () => {
    const failing = client(json({}, 503));
    const answered = await failure(failing.oidc);
    expect(answered).toMatchObject({ code: 'discovery_failed', name: 'SignInException' });
    expect(answered.message).toContain('503');
    await failure(failing.oidc);
    expect(failing.calls).toHaveLength(2);

    const other = await failure(client(json({ ...metadata, issuer: 'https://evil.example' })).oidc);
    expect(other.code).toBe('discovery_failed');
    expect(other.message).toMatch(/another issuer/);

    const plainOnly = await failure(client(json({ ...metadata, code_challenge_methods_supported: ['plain'] })).oidc);
    expect(plainOnly.code).toBe('discovery_failed');
    expect(plainOnly.message).toMatch(/S256/);
  });

  it('reports an unreachable provider without its error text', async () => {
    const unreachable = await failure(client(async () => Promise.reject(new Error('getaddrinfo ENOTFOUND secret-host'))).oidc);
    expect(unreachable.code).toBe('discovery_failed');
    expect(unreachable.message).toMatch(/cannot be reached/);
    expect(unreachable.message).not.toContain('secret-host');
  });
});

describe('OidcClient.completeLogin refusals at the token endpoint (RFC 6749 §4.1.3, §5.2; RFC 9449 §8)', () => {
  const pending = { state: 'st', nonce: 'the-nonce', codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', startedAt: 0 };
  const clientJwk = async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    return { ...(await exportJWK(privateKey)), kid: 'client-key', alg: 'ES256' };
  };
  /** A provider whose token endpoint always gives the same answer; records each token request. */
  const provider = async (answer: { status: number; body: unknown; nonce?: string }, dpop: boolean) => {
    const jwk = await clientJwk();
    const requests: RequestInit[] = [];
    const metadata = { issuer: ISSUER, authorization_endpoint: `${ISSUER}/auth`, token_endpoint: `${ISSUER}/token`, jwks_uri: `${ISSUER}/jwks`, ...(dpop ? { dpop_signing_alg_values_supported: ['ES256'] } : {}) };
    const fetchStub = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      if (url.endsWith('/.well-known/openid-configuration')) return Response.json(metadata);
      requests.push(init ?? {});
      return Response.json(answer.body, { status: answer.status, headers: answer.nonce ? { 'DPoP-Nonce': answer.nonce } : {} });
    }) as typeof fetch;
    const oidc = new OidcClient({ issuer: ISSUER, clientId: 'web', privateJwk: () => jwk, redirectUri: 'https://hub.kommune.no/auth/callback', scopes: ['openid'], clockToleranceSeconds: 5, fetch: fetchStub });
    return { oidc, requests };
  };
  const refusal = async (oidc: OidcClient): Promise<SignInException> => {
    try {
      await oidc.completeLogin('the-code', pending);
    } catch (error) {
      expect(error).toBeInstanceOf(SignInException);
      return error as SignInException;
    }
    throw new Error('the login completed');
  };

  it('posts a form to the token endpoint and names the status and a well-formed OAuth error code when refused', async () => {
    const { oidc, requests } = await provider({ status: 400, body: { error: 'invalid_grant' } }, false);
    const refused = await refusal(oidc);
    expect(refused).toMatchObject({ code: 'token_refused', message: 'The identity provider refused the code (400 invalid_grant)' });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.method).toBe('POST');
    expect(requests[0]!.headers).toMatchObject({ 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' });
  });

  it('does not echo an error that is not an OAuth error code', async () => {
    for (const error of ['Invalid Grant', '<b>x</b>', 'a'.repeat(41), 42]) {
      const { oidc } = await provider({ status: 400, body: { error } }, false);
      expect((await refusal(oidc)).message).toBe('The identity provider refused the code (400)');
    }
    const { oidc } = await provider({ status: 400, body: { error: 'a'.repeat(40) } }, false);
    expect((await refusal(oidc)).message).toBe(`The identity provider refused the code (400 ${'a'.repeat(40)})`);
  });

  it('refuses a 200 answer without an ID token', async () => {
    const { oidc } = await provider({ status: 200, body: { access_token: 'at', token_type: 'Bearer' } }, false);
    expect(await refusal(oidc)).toMatchObject({ code: 'token_refused', message: 'The identity provider refused the code (200)' });
  });

  it.each([
    ['without DPoP', { status: 400, body: { error: 'use_dpop_nonce' }, nonce: 'n1' }, false],
    ['for another status than 400', { status: 401, body: { error: 'use_dpop_nonce' }, nonce: 'n1' }, true],
    ['for another error than use_dpop_nonce', { status: 400, body: { error: 'invalid_grant' }, nonce: 'n1' }, true],
    ['without a DPoP-Nonce header', { status: 400, body: { error: 'use_dpop_nonce' } }, true],
  ] as const)('does not retry %s', async (_what, answer, dpop) => {
    const { oidc, requests } = await provider(answer, dpop);
    expect((await refusal(oidc)).code).toBe('token_refused');
    expect(requests).toHaveLength(1);
  });

  it('retries once with the nonce the provider asked for', async () => {
    const { oidc, requests } = await provider({ status: 400, body: { error: 'use_dpop_nonce' }, nonce: 'n1' }, true);
    expect((await refusal(oidc)).code).toBe('token_refused');
    expect(requests).toHaveLength(2);
  });
});
