import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createLocalJWKSet, errors, exportJWK, generateKeyPair, importJWK, JWK, JSONWebKeySet, JWTPayload, jwtVerify, JWTVerifyGetKey, JWTVerifyOptions, SignJWT } from 'jose';
import { constantTimeEqual } from './constant-time.util';

/**
 * A small OpenID Connect relying party for the web page: authorization code flow with PKCE
 * (S256), a confidential client authenticating with `private_key_jwt`, ID token verification
 * (signature against the provider's JWKS, `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`) and
 * RP-initiated logout. Written against HelseID's rules and tested against oidc-provider (the
 * local stand-in, tools/idp). No state of its own: what a login needs between the redirect and
 * the callback is handed to the caller (`PendingLogin`) to keep in a sealed cookie.
 */

/** ID token algorithms accepted (HelseID signs with RS256). */
export const ID_TOKEN_ALGORITHMS = ['RS256', 'PS256', 'ES256'];

/** How long a started login may take before its callback is refused. */
export const LOGIN_MAX_AGE_SECONDS = 600;

export interface OidcClientOptions {
  issuer: string;
  clientId: string;
  /** The client's private key (JWK with `alg` and `kid`) for the `private_key_jwt` assertion; read at each use. */
  privateJwk: () => JWK;
  redirectUri: string;
  scopes: string[];
  clockToleranceSeconds: number;
  fetch?: typeof fetch;
}

export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  end_session_endpoint?: string;
  code_challenge_methods_supported?: string[];
  dpop_signing_alg_values_supported?: string[];
}

/** What the callback must match: kept by the caller (sealed, HttpOnly cookie), never shown to scripts. */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Seconds since the epoch. */
  startedAt: number;
}

/** The back-channel logout event's name in a logout token's `events` claim. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** How old a logout token may be (its `iat`); its `jti` is remembered at least that long. */
export const LOGOUT_TOKEN_MAX_AGE_SECONDS = 120;

/** What a verified logout token asks to end: the provider session `sid`, or every session of `sub`. */
export interface VerifiedLogoutToken {
  jti: string;
  sid?: string;
  sub?: string;
  /** Until when its `jti` must be remembered (after that the token is refused as too old anyway). */
  expiresAtMs: number;
}

export interface CompletedLogin {
  idToken: string;
  claims: JWTPayload;
}

/** A refused sign-in; `code` is a fixed word fit for logs and answers (no provider text echoed). */
export class SignInException extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'SignInException';
  }
}

/**
 * How a web session row names the provider's subject for back-channel logout: a SHA-256 of
 * issuer and `sub`, so the row holds no identifier of the person (HelseID's `sub` is a pseudonym,
 * but a hash costs nothing).
 */
export function providerSubjectHash(issuer: string, sub: string): string {
  return createHash('sha256').update(`${issuer}|${sub}`).digest('base64url');
}

/** 32 random bytes, base64url: state, nonce and PKCE code verifier (RFC 7636: 43 to 128 characters). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** RFC 7636 S256: BASE64URL(SHA256(ASCII(code_verifier))). */
export function pkceChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

export function newPendingLogin(now = Date.now()): PendingLogin {
  return { state: randomToken(), nonce: randomToken(), codeVerifier: randomToken(), startedAt: Math.floor(now / 1000) };
}

/**
 * Checks the callback's parameters against the pending login before anything is sent to the
 * provider: an error answer, a missing or different `state` (CSRF, or a callback of another
 * browser's login), a login older than LOGIN_MAX_AGE_SECONDS, and, when the provider sends it
 * (RFC 9207), an `iss` other than the configured issuer (mix-up). Returns the code.
 */
export function checkCallback(params: Record<string, unknown>, pending: PendingLogin | undefined, issuer: string, now = Date.now()): string {
  if (!pending) throw new SignInException('no_pending_login', 'No sign-in was started in this browser, or it expired');
  if (typeof params.error === 'string') throw new SignInException('provider_error', 'The identity provider refused the sign-in');
  if (typeof params.state !== 'string' || !constantTimeEqual(params.state, pending.state)) throw new SignInException('state_mismatch', 'The sign-in answer does not belong to this sign-in');
  if (Math.floor(now / 1000) - pending.startedAt > LOGIN_MAX_AGE_SECONDS) throw new SignInException('login_expired', 'The sign-in took too long; start again');
  if (params.iss !== undefined && params.iss !== issuer) throw new SignInException('issuer_mismatch', 'The sign-in answer came from another identity provider');
  if (typeof params.code !== 'string' || params.code.length === 0 || params.code.length > 2048) throw new SignInException('no_code', 'The sign-in answer has no authorization code');
  return params.code;
}

export class OidcClient {
  private metadata?: Promise<ProviderMetadata>;
  private keys?: { get: JWTVerifyGetKey; fetchedAt: number };
  private readonly fetch: typeof fetch;

  constructor(private readonly options: OidcClientOptions) {
    this.fetch = options.fetch ?? fetch;
  }

  get issuer(): string {
    return this.options.issuer;
  }

  /** The provider's discovery document, fetched once; its `issuer` must be the configured one. */
  async discover(): Promise<ProviderMetadata> {
    this.metadata ??= (async () => {
      const response = await this.fetch(`${this.options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new SignInException('discovery_failed', `The identity provider's discovery document answered ${response.status}`);
      const metadata = (await response.json()) as ProviderMetadata;
      if (metadata.issuer !== this.options.issuer) throw new SignInException('discovery_failed', 'The discovery document names another issuer');
      if (metadata.code_challenge_methods_supported && !metadata.code_challenge_methods_supported.includes('S256')) throw new SignInException('discovery_failed', 'The identity provider does not support PKCE S256');
      return metadata;
    })().catch((error: unknown) => {
      this.metadata = undefined; // try again on the next sign-in
      throw error instanceof SignInException ? error : new SignInException('discovery_failed', 'The identity provider cannot be reached');
    });
    return this.metadata;
  }

  /** The authorization request URL for a pending login (code flow, PKCE S256, nonce, state). */
  async authorizationUrl(pending: PendingLogin): Promise<string> {
    const { authorization_endpoint } = await this.discover();
    const url = new URL(authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.options.clientId,
      redirect_uri: this.options.redirectUri,
      scope: this.options.scopes.join(' '),
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: pkceChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
    }).toString();
    return url.href;
  }

  /**
   * Exchanges the code (with the PKCE verifier and a client assertion) and verifies the ID token.
   * When the provider supports DPoP with ES256 the request carries a DPoP proof (RFC 9449) of a
   * key made for this exchange, so the tokens it returns are bound to a key that never leaves
   * this process; a `use_dpop_nonce` answer is retried once with the provider's nonce.
   */
  async completeLogin(code: string, pending: PendingLogin): Promise<CompletedLogin> {
    const metadata = await this.discover();
    const dpop = metadata.dpop_signing_alg_values_supported?.includes('ES256') ? await dpopProver(metadata.token_endpoint) : undefined;
    const exchange = async (nonce?: string) =>
      this.fetch(metadata.token_endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...(dpop ? { DPoP: await dpop(nonce) } : {}) },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: this.options.redirectUri,
          code_verifier: pending.codeVerifier,
          client_id: this.options.clientId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: await this.clientAssertion(),
        }),
        signal: AbortSignal.timeout(10_000),
      });
    let response = await exchange();
    let body = (await response.json().catch(() => ({}))) as { id_token?: unknown; error?: unknown };
    const nonce = response.headers.get('dpop-nonce');
    if (dpop && response.status === 400 && body.error === 'use_dpop_nonce' && nonce) {
      response = await exchange(nonce);
      body = (await response.json().catch(() => ({}))) as { id_token?: unknown; error?: unknown };
    }
    if (!response.ok || typeof body.id_token !== 'string') {
      throw new SignInException('token_refused', `The identity provider refused the code (${response.status}${typeof body.error === 'string' && /^[a-z_]{1,40}$/.test(body.error) ? ` ${body.error}` : ''})`);
    }
    const claims = await this.verifyIdToken(body.id_token, pending.nonce);
    return { idToken: body.id_token, claims };
  }

  /** Signature (provider JWKS, algorithm allow-list), iss, aud, azp, exp, iat and nonce. */
  async verifyIdToken(idToken: string, nonce: string): Promise<JWTPayload> {
    const options = {
      issuer: this.options.issuer,
      audience: this.options.clientId,
      algorithms: ID_TOKEN_ALGORITHMS,
      clockTolerance: this.options.clockToleranceSeconds,
      requiredClaims: ['sub', 'exp', 'iat', 'nonce'],
    };
    try {
      const { payload } = await this.verifySigned(idToken, options);
      if (typeof payload.nonce !== 'string' || !constantTimeEqual(payload.nonce, nonce)) throw new SignInException('nonce_mismatch', 'The ID token was not issued for this sign-in');
      if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== this.options.clientId) throw new SignInException('azp_mismatch', 'The ID token was issued to another client');
      return payload;
    } catch (error) {
      // Our own refusals (SignInException) and anything that is not jose's pass on as they are.
      if (error instanceof errors.JWTExpired) throw new SignInException('id_token_expired', 'The ID token has expired');
      if (error instanceof errors.JWTClaimValidationFailed) throw new SignInException('id_token_invalid', `ID token claim '${error.claim}' is not valid`);
      if (error instanceof errors.JOSEError) throw new SignInException('id_token_invalid', `ID token rejected (${error.code})`);
      throw error;
    }
  }

  /**
   * Verifies a logout token the provider POSTed to the back-channel logout URI (OpenID Connect
   * Back-Channel Logout 1.0, section 2.6): signature against the provider's JWKS (the ID token
   * algorithms), `typ` `logout+jwt` when typed, `iss`, `aud` (this client), `iat` at most
   * LOGOUT_TOKEN_MAX_AGE_SECONDS old and not in the future (jose's `maxTokenAge` checks both,
   * within the clock tolerance), `exp` when present, a `jti`, an
   * `events` claim with the back-channel logout member (an object), a `sid` or a `sub`, and no
   * `nonce` (so an ID token can never pass as one). Replay of the `jti` is the caller's check.
   */
  async verifyLogoutToken(logoutToken: string, now = Date.now()): Promise<VerifiedLogoutToken> {
    const options = {
      issuer: this.options.issuer,
      audience: this.options.clientId,
      algorithms: ID_TOKEN_ALGORITHMS,
      clockTolerance: this.options.clockToleranceSeconds,
      requiredClaims: ['iat', 'jti', 'events'],
      maxTokenAge: LOGOUT_TOKEN_MAX_AGE_SECONDS,
      currentDate: new Date(now),
    };
    try {
      const { payload, protectedHeader } = await this.verifySigned(logoutToken, options);
      if (protectedHeader.typ !== undefined && !['logout+jwt', 'application/logout+jwt', 'JWT'].includes(protectedHeader.typ)) throw new SignInException('logout_token_invalid', 'The logout token has another type');
      if (payload.nonce !== undefined) throw new SignInException('logout_token_invalid', 'A logout token carries no nonce');
      const events = payload.events as Record<string, unknown> | undefined;
      const event = events && typeof events === 'object' ? events[BACKCHANNEL_LOGOUT_EVENT] : undefined;
      if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new SignInException('logout_token_invalid', 'The logout token has no back-channel logout event');
      if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) throw new SignInException('logout_token_invalid', 'The logout token has no jti');
      const sid = typeof payload.sid === 'string' && payload.sid.length > 0 ? payload.sid : undefined;
      const sub = typeof payload.sub === 'string' && payload.sub.length > 0 ? payload.sub : undefined;
      if (!sid && !sub) throw new SignInException('logout_token_invalid', 'The logout token names neither a session (sid) nor a subject (sub)');
      return { jti: payload.jti, sid, sub, expiresAtMs: (payload.iat! + LOGOUT_TOKEN_MAX_AGE_SECONDS + this.options.clockToleranceSeconds) * 1000 };
    } catch (error) {
      // As above: SignInException passes on as it is.
      if (error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired) throw new SignInException('logout_token_invalid', `Logout token claim '${error.claim}' is not valid`);
      if (error instanceof errors.JOSEError) throw new SignInException('logout_token_invalid', `Logout token rejected (${error.code})`);
      throw error;
    }
  }

  /** A JWT signed by the provider: its JWKS, refetched once (at most every 30 s) for a key it does not have yet. */
  private async verifySigned(jwt: string, options: JWTVerifyOptions) {
    try {
      return await jwtVerify(jwt, await this.keySet(false), options);
    } catch (error) {
      // The provider rotated its keys: fetch the set again and try once more.
      if (!(error instanceof errors.JWKSNoMatchingKey) || Date.now() - (this.keys?.fetchedAt ?? 0) < 30_000) throw error;
      return jwtVerify(jwt, await this.keySet(true), options);
    }
  }

  /** The provider's JWKS, fetched with the client's fetch and kept for 10 minutes. */
  private async keySet(refresh: boolean): Promise<JWTVerifyGetKey> {
    if (!refresh && this.keys && Date.now() - this.keys.fetchedAt < 10 * 60_000) return this.keys.get;
    const { jwks_uri } = await this.discover();
    const response = await this.fetch(jwks_uri, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new SignInException('discovery_failed', `The identity provider's key set answered ${response.status}`);
    this.keys = { get: createLocalJWKSet((await response.json()) as JSONWebKeySet), fetchedAt: Date.now() };
    return this.keys.get;
  }

  /** RP-initiated logout at the provider: where to send the browser after the hub's session is gone. */
  async logoutUrl(idTokenHint: string | undefined, postLogoutRedirectUri: string): Promise<string | undefined> {
    const { end_session_endpoint } = await this.discover();
    if (!end_session_endpoint) return undefined;
    const url = new URL(end_session_endpoint);
    const params = new URLSearchParams({ client_id: this.options.clientId, post_logout_redirect_uri: postLogoutRedirectUri });
    if (idTokenHint) params.set('id_token_hint', idTokenHint);
    url.search = params.toString();
    return url.href;
  }

  /**
   * RFC 7523 client assertion: iss = sub = client_id, aud = the issuer (HelseID's rule; oidc-provider
   * accepts it too), a unique jti and a lifetime of 60 s.
   */
  private async clientAssertion(): Promise<string> {
    const jwk = this.options.privateJwk();
    const alg = typeof jwk.alg === 'string' ? jwk.alg : 'ES256';
    const key = await importJWK(jwk, alg);
    return new SignJWT({})
      .setProtectedHeader({ alg, kid: jwk.kid, typ: 'JWT' })
      .setIssuer(this.options.clientId)
      .setSubject(this.options.clientId)
      .setAudience(this.options.issuer)
      .setJti(randomUUID())
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime('60s')
      .sign(key);
  }
}

/** A DPoP proof maker (RFC 9449) for one key pair and one endpoint: POST, `htu` without query. */
async function dpopProver(endpoint: string): Promise<(nonce?: string) => Promise<string>> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const url = new URL(endpoint);
  const htu = `${url.origin}${url.pathname}`;
  return (nonce) =>
    new SignJWT({ htm: 'POST', htu, ...(nonce ? { nonce } : {}) })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
      .setJti(randomUUID())
      .setIssuedAt()
      .sign(privateKey);
}
