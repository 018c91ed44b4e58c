import { CanActivate, ExecutionContext, HttpException, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AuthenticationException, DpopException, personBelowPatientReadLevel, PATIENT_READ_SECURITY_LEVEL, Principal, Scope } from '@hub/auth';
import { KommuneDirectory } from '@hub/directory';
import { AccessRefusalAudit, RefusalReason } from './access-refusal-audit.service';
import { ClientRateLimiter } from './client-rate-limiter.service';
import { ReplayCacheUnavailableException, RequestAuthenticator } from './request-authenticator.service';

export const REQUIRED_SCOPES = 'hub:required-scopes';

/** Routes declare the scopes they need; the guard verifies the token and checks them. */
export const RequireScopes = (...scopes: Scope[]) => SetMetadata(REQUIRED_SCOPES, scopes);

export interface AuthenticatedRequest extends Request {
  principal: Principal;
}

/**
 * Authentication (bearer or DPoP-bound tokens, `RequestAuthenticator`) and scope check for
 * every route that declares scopes, plus the
 * kommune check for routes with a `:kommunenummer` parameter (tenant isolation; a kommune this
 * hub does not serve is answered 404 before anything reads, audits or writes for it), and a
 * per-client rate limit on every route except intake. Intake is exempt on purpose: only
 * gateways write, a burst after a gateway outage is legitimate, and its size limit and the
 * gateway's own throttling bound it; the limit is there against bulk reading of patient data.
 * Every 401 and 403 it answers is recorded (`AccessRefusalAudit`).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly authenticator: RequestAuthenticator,
    private readonly refusals: AccessRefusalAudit,
    private readonly reflector: Reflector,
    private readonly limiter: ClientRateLimiter,
    private readonly directory: KommuneDirectory,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const scopes = this.reflector.getAllAndOverride<Scope[] | undefined>(REQUIRED_SCOPES, [context.getHandler(), context.getClass()]);
    if (!scopes) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    let principal: Principal;
    try {
      principal = await this.authenticator.authenticate(request);
    } catch (error) {
      if (error instanceof ReplayCacheUnavailableException) throw problem(503, 'authentication_unavailable', 'Authentication cannot be completed right now; try again later', { 'Retry-After': '5' });
      if (!(error instanceof AuthenticationException)) throw error;
      // A nonce request is the protocol's handshake (RFC 9449 §8), not a refused access.
      if (!(error instanceof DpopException && error.error === 'use_dpop_nonce')) this.refusals.record(request, 401, refusalReason(error, request));
      throw problem(401, 'unauthorized', error.message, this.authenticator.challenge(error));
    }
    if (!scopes.includes('messages:write')) {
      const retryAfter = await this.limiter.take(principal.clientId);
      if (retryAfter > 0) throw problem(429, 'rate_limited', 'Too many requests from this client', { 'Retry-After': String(retryAfter) });
    }
    if (!scopes.some((s) => principal.scopes.has(s))) {
      this.refusals.record(request, 403, 'insufficient_scope', principal);
      throw problem(403, 'insufficient_scope', `Token lacks scope ${scopes.join(' or ')}`);
    }
    if (scopes.some((s) => PERSON_LEVEL_SCOPES.includes(s)) && personBelowPatientReadLevel(principal)) {
      this.refusals.record(request, 403, 'security_level', principal);
      throw problem(403, 'insufficient_security_level', `Patient data needs a person signed in at security level ${PATIENT_READ_SECURITY_LEVEL}`);
    }
    const knr = request.params?.kommunenummer as string | undefined;
    if (knr !== undefined && !mayAccessKommune(principal, knr)) {
      this.refusals.record(request, 403, 'forbidden_kommune', principal);
      throw problem(403, 'forbidden_kommune', 'Token is not valid for the kommune in the path');
    }
    // After the access check, so only a caller the kommune is open to learns whether it is served.
    // Nothing of an unserved kommune exists (no topics, no schema subjects, no audit log to write).
    if (knr !== undefined && !this.directory.has(knr)) throw problem(404, 'kommune_not_served', 'This hub does not serve the kommune in the path');
    request.principal = principal;
    return true;
  }
}

/** Routes that hand out patient data: a person acting through them must be at security level 4. */
const PERSON_LEVEL_SCOPES: Scope[] = ['patients:read', 'subscriptions:write'];

function refusalReason(error: AuthenticationException, request: Request): RefusalReason {
  if (error instanceof DpopException && error.error === 'invalid_dpop_proof') return 'invalid_dpop_proof';
  return request.headers.authorization ? 'invalid_token' : 'missing_token';
}

export function mayAccessKommune(principal: Principal, kommunenummer: string): boolean {
  return principal.kommuner.has(kommunenummer) || principal.kommuner.has('*');
}

export function problem(status: number, code: string, detail: string, headers: Record<string, string> = {}): HttpException {
  const error = new HttpException({ status, code, detail }, status);
  (error as HttpException & { headers?: Record<string, string> }).headers = headers;
  return error;
}
