import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { decodeJwt, type JWK } from 'jose';
import {
  clearCookie,
  HELSEID_WEB_SCOPES,
  OidcClient,
  OrganisationKommuner,
  parseOrganisationKommuner,
  PendingLogin,
  providerSubjectHash,
  readCookie,
  SealedCookieCodec,
  setCookie,
  SignInException,
  WebIdentity,
  WebSession,
  webPrincipal,
} from '@hub/auth';
import { HubConfig, readConfigFile } from '@hub/config';
import { DpopReplayRepository, WebSessionRepository } from '@hub/persistence';
import { AccessRefusalAudit, HUB_CONFIG, RefusalReason } from '@hub/platform';

export const SESSION_COOKIE = 'hl_session';
export const LOGIN_COOKIE = 'hl_login';
/** The login cookie is sent only to the callback. */
const LOGIN_COOKIE_PATH = '/auth/callback';
const LOGIN_COOKIE_SECONDS = 600;

/**
 * The web page's sign-in state: the OpenID Connect client (when WEB_OIDC_ISSUER is set), the
 * organisation -> kommune map, and the two sealed HttpOnly cookies: `hl_login` (state, nonce and
 * PKCE verifier of a login in progress, only sent to /auth/callback, ten minutes) and
 * `hl_session` (the signed-in person and the id of the session's row in `web_sessions`, which
 * logout ends for every copy of the cookie). No token reaches the page's scripts or storage.
 */
@Injectable()
export class WebSignInService {
  readonly oidc?: OidcClient;
  readonly organisations: OrganisationKommuner;
  private readonly sessions: SealedCookieCodec;
  private readonly logins: SealedCookieCodec;
  readonly secure: boolean;

  constructor(
    @Inject(HUB_CONFIG) readonly config: HubConfig,
    private readonly rows: WebSessionRepository,
    private readonly replay: DpopReplayRepository,
    private readonly refusals: AccessRefusalAudit,
  ) {
    const web = config.web;
    this.secure = web.publicBaseUrl.startsWith('https://');
    this.sessions = new SealedCookieCodec(web.sessionKey, 'session');
    this.logins = new SealedCookieCodec(web.sessionKey, 'login');
    this.organisations = loadOrganisations(web.organisationsPath, web.oidc !== undefined);
    if (web.oidc) {
      const oidc = web.oidc;
      this.oidc = new OidcClient({
        issuer: oidc.issuer,
        clientId: oidc.clientId,
        redirectUri: oidc.redirectUri,
        scopes: HELSEID_WEB_SCOPES,
        clockToleranceSeconds: config.auth.clockToleranceSeconds,
        // Read at each sign-in: the local provider writes it on its first start, which may come after the hub's.
        privateJwk: () => JSON.parse(readConfigFile(oidc.privateKeyPath)) as JWK,
      });
    }
  }

  get devEnabled(): boolean {
    return this.config.auth.devIssuer.enabled;
  }

  /** The browser's session: a cookie that opens (sealed by this hub, not expired) naming a session row still active. */
  async session(req: Request): Promise<WebSession | undefined> {
    const session = this.sessions.open<WebSession>(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (!session || typeof session.id !== 'string') return undefined;
    return (await this.rows.isActive(session.id)) ? session : undefined;
  }

  /** A new session (a new id at every sign-in, so no session is carried over from before it). */
  async startSession(res: Response, session: Omit<WebSession, 'expiresAt' | 'id'>): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = now + this.config.web.sessionMaxAgeSeconds;
    const id = randomUUID();
    await this.rows.start(id, session.identity.kommunenummer, new Date(expiresAt * 1000), this.providerSession(session));
    const value = this.sessions.seal({ ...session, id, expiresAt }, expiresAt);
    res.append('Set-Cookie', setCookie(SESSION_COOKIE, value, { maxAgeSeconds: expiresAt - now, secure: this.secure }));
  }

  /** Ends the session's row (every copy of the cookie stops working) and clears the browser's cookie. */
  async endSession(res: Response | undefined, session: WebSession | undefined): Promise<void> {
    res?.append('Set-Cookie', clearCookie(SESSION_COOKIE, { secure: this.secure }));
    if (session) {
      await this.rows.end(session.id);
    }
  }

  /**
   * OpenID Connect Back-Channel Logout 1.0: the provider POSTs a logout token when the person's
   * session there ends (logout at the provider, from another client, or an administrator). The
   * token is verified against the provider's JWKS (OidcClient.verifyLogoutToken), its `jti` is
   * spent once in the replay cache every instance shares, and every active session it names is
   * ended. Returns how many were; a refused token throws SignInException (answered 400).
   */
  async backchannelLogout(logoutToken: unknown): Promise<number> {
    if (!this.oidc) throw new SignInException('not_configured', 'Sign-in with an identity provider is not configured');
    if (typeof logoutToken !== 'string' || logoutToken.length === 0 || logoutToken.length > 16_384) throw new SignInException('logout_token_invalid', 'Send one logout_token');
    const verified = await this.oidc.verifyLogoutToken(logoutToken);
    const jti = createHash('sha256').update(`backchannel-logout|${this.oidc.issuer}|${verified.jti}`).digest('base64url');
    if (!(await this.replay.remember(jti, verified.expiresAtMs))) throw new SignInException('logout_token_replayed', 'This logout token was already used');
    return this.rows.endByProvider({ sid: verified.sid, subjectHash: verified.sub === undefined ? undefined : providerSubjectHash(this.oidc.issuer, verified.sub) });
  }

  /** The provider's names for an OIDC session (from its verified ID token): `sid` and the subject's hash. */
  private providerSession(session: Omit<WebSession, 'expiresAt' | 'id'>): { sid?: string; subjectHash?: string } {
    if (session.kind !== 'oidc' || !this.oidc) return {};
    const claims = session.idToken ? decodeJwt(session.idToken) : {};
    return {
      sid: typeof claims.sid === 'string' && claims.sid.length > 0 ? claims.sid : undefined,
      subjectHash: providerSubjectHash(this.oidc.issuer, session.identity.subject),
    };
  }

  rememberLogin(res: Response, pending: PendingLogin): void {
    const expiresAt = pending.startedAt + LOGIN_COOKIE_SECONDS;
    res.append('Set-Cookie', setCookie(LOGIN_COOKIE, this.logins.seal(pending, expiresAt), { maxAgeSeconds: LOGIN_COOKIE_SECONDS, secure: this.secure, path: LOGIN_COOKIE_PATH }));
  }

  /** The pending login of this browser, and the cookie cleared: a callback is answered once. */
  takeLogin(req: Request, res: Response): PendingLogin | undefined {
    res.append('Set-Cookie', clearCookie(LOGIN_COOKIE, { secure: this.secure, path: LOGIN_COOKIE_PATH }));
    return this.logins.open<PendingLogin>(readCookie(req.headers.cookie, LOGIN_COOKIE));
  }

  /**
   * Cookie-authenticated requests that change or read data must come from the hub's own page:
   * fetch metadata (`Sec-Fetch-Site`, set by the browser and not by scripts) must say
   * same-origin, and an Origin, when one is named, must be the public base URL or the host the
   * request was sent to. (Under the page's no-referrer policy Chromium sends `Origin: null` with
   * same-origin form posts.) SameSite=Lax already keeps the cookie off cross-site POSTs; this
   * refuses the rest.
   */
  sameOrigin(req: Request): boolean {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null' && origin !== this.config.web.publicBaseUrl && hostOf(origin) !== req.headers.host) return false;
    const site = req.headers['sec-fetch-site'];
    return site === undefined || site === 'same-origin';
  }

  /**
   * A signed-in person's refused page read (security level, purpose of use), audited like the
   * guard's refusals: the person, the route, why, in their kommune, and the patient the request
   * named by pseudonym only.
   */
  recordRefusal(req: Request, session: WebSession, reason: RefusalReason): void {
    this.refusals.record(req, 403, reason, webPrincipal(session.identity, this.clientIdOf(session)), session.identity.kommunenummer);
  }

  clientIdOf(session: WebSession): string {
    return session.kind === 'oidc' && this.config.web.oidc ? this.config.web.oidc.clientId : 'hendelseslager-web-dev';
  }
}

/** The orgnr -> kommune map, read once at start (a change needs a restart); required with a provider. */
function loadOrganisations(path: string, required: boolean): OrganisationKommuner {
  if (!existsSync(path)) {
    if (required) throw new Error(`HENDELSESLAGER_ORGANISATIONS: ${path} not found (the web sign-in needs the orgnr -> kommune map)`);
    return new Map();
  }
  try {
    return parseOrganisationKommuner(readConfigFile(path));
  } catch (error) {
    throw new Error(`HENDELSESLAGER_ORGANISATIONS: ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

export type { WebIdentity };
