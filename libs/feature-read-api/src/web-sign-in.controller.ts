import { Body, Controller, Get, Header, HttpCode, Post, Query, Redirect, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { mapHelseIdClaims, mayReadPatients, newPendingLogin, checkCallback, SignInException, WebIdentityException, PATIENT_READ_SECURITY_LEVEL } from '@hub/auth';
import { HubLogger } from '@hub/observability';
import { problem } from '@hub/platform';
import { WebSignInService } from './web-sign-in.service';

/** Where a sign-in route sends the browser (Nest writes the 303 of `@Redirect`). */
interface RedirectTo {
  url: string;
}

/**
 * The web page's sign-in: `GET /auth/login` starts the OpenID Connect authorization code flow
 * with PKCE at the configured provider (HelseID; the local oidc-provider in development),
 * `GET /auth/callback` checks state, exchanges the code as a confidential client
 * (private_key_jwt), verifies the ID token and its nonce, maps HelseID's claims and starts the
 * session cookie; `POST /auth/logout` ends the hub's session and sends the browser to the
 * provider's end_session_endpoint. `GET /auth/session` tells the page who is signed in.
 * `POST /auth/dev-session` is the development issuer's sign-in (404 unless it is enabled).
 *
 * Nest writes every answer (`@Redirect`, `@HttpCode`, return values); refusals are exceptions.
 * The routes that set or clear a cookie take the response as `@Res({ passthrough: true })`,
 * Nest's way to add a header it cannot declare (WebSignInService appends the Set-Cookie) while
 * it still writes the answer.
 */
@Controller('auth')
export class WebSignInController {
  private readonly log = new HubLogger(WebSignInController.name);

  constructor(private readonly signIn: WebSignInService) {}

  @Get('login')
  @Redirect('/', 303)
  async login(@Res({ passthrough: true }) res: Response): Promise<RedirectTo> {
    const oidc = this.signIn.oidc;
    if (!oidc) throw problem(404, 'not_found', 'Sign-in with an identity provider is not configured');
    const pending = newPendingLogin();
    try {
      const url = await oidc.authorizationUrl(pending);
      this.signIn.rememberLogin(res, pending);
      return { url };
    } catch (error) {
      return this.refuse(error);
    }
  }

  @Get('callback')
  @Redirect('/', 303)
  async callback(@Query() query: Record<string, unknown>, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<RedirectTo> {
    const oidc = this.signIn.oidc;
    if (!oidc) throw problem(404, 'not_found', 'Sign-in with an identity provider is not configured');
    const pending = this.signIn.takeLogin(req, res);
    try {
      const code = checkCallback(query, pending, oidc.issuer);
      const { idToken, claims } = await oidc.completeLogin(code, pending!);
      const identity = mapHelseIdClaims(claims, this.signIn.organisations);
      // A sign-in replaces this browser's earlier session: its row ends rather than lingering until it expires.
      const previous = await this.signIn.session(req);
      await this.signIn.startSession(res, { kind: 'oidc', identity, idToken });
      if (previous) await this.signIn.endSession(undefined, previous);
      this.log.info('Web sign-in', { kommunenummer: identity.kommunenummer, securityLevel: identity.securityLevel, hasHpr: identity.hpr !== undefined });
      return { url: '/' };
    } catch (error) {
      return this.refuse(error);
    }
  }

  /** A plain form POST from the page; answers with a redirect to the provider's logout (or to the page). */
  @Post('logout')
  @Redirect('/', 303)
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<RedirectTo> {
    if (!this.signIn.sameOrigin(req)) throw problem(403, 'cross_origin', 'Sign out from the hub\'s own page');
    const session = await this.signIn.session(req);
    await this.signIn.endSession(res, session);
    const oidc = this.signIn.oidc;
    if (session?.kind === 'oidc' && oidc && this.signIn.config.web.oidc) {
      const url = await oidc.logoutUrl(session.idToken, this.signIn.config.web.oidc.postLogoutRedirectUri).catch(() => undefined);
      if (url) return { url };
    }
    return { url: '/' };
  }

  @Get('session')
  @Header('Cache-Control', 'no-store')
  async status(@Req() req: Request): Promise<object> {
    const session = await this.signIn.session(req);
    const methods = { oidc: this.signIn.oidc !== undefined, dev: this.signIn.devEnabled };
    if (!session) return { signedIn: false, methods };
    const { identity } = session;
    const access = mayReadPatients(identity);
    return {
      signedIn: true,
      methods,
      kind: session.kind,
      name: identity.name,
      hpr: identity.hpr ?? null,
      kommunenummer: identity.kommunenummer,
      organisation: identity.organisation,
      securityLevel: identity.securityLevel,
      mayReadPatients: access.allowed,
      refusal: access.allowed ? null : access.detail,
      expiresAt: new Date(session.expiresAt * 1000).toISOString(),
    };
  }

  /** Development only: a session for one kommune without a provider (level 4, no HPR number). */
  @Post('dev-session')
  @HttpCode(204)
  async devSession(@Body() body: { kommunenummer?: unknown; name?: unknown } | undefined, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    if (!this.signIn.devEnabled) throw problem(404, 'not_found', 'Not found');
    if (!this.signIn.sameOrigin(req)) throw problem(403, 'cross_origin', 'Sign in from the hub\'s own page');
    const knr = body?.kommunenummer;
    if (typeof knr !== 'string' || !/^\d{4}$/.test(knr)) throw problem(400, 'invalid_kommunenummer', 'Body must be {"kommunenummer": "<4 digits>", "name"?: string}');
    const name = typeof body?.name === 'string' && body.name.trim() ? body.name.trim().slice(0, 80) : 'Utvikler';
    await this.signIn.startSession(res, { kind: 'dev', identity: { subject: `dev:${name}`, name, securityLevel: PATIENT_READ_SECURITY_LEVEL, organisation: 'Utviklingsmiljø', kommunenummer: knr } });
  }

  /** Back to the page with a fixed reason word; the provider's own texts are never echoed. */
  private refuse(error: unknown): RedirectTo {
    const code = error instanceof SignInException || error instanceof WebIdentityException ? error.code : 'failed';
    this.log.warn('Web sign-in refused', { reason: code });
    if (!(error instanceof SignInException || error instanceof WebIdentityException)) this.log.error('Web sign-in failed', { error: error instanceof Error ? error.name : 'unknown' });
    return { url: `/?signin=${encodeURIComponent(code)}` };
  }
}
