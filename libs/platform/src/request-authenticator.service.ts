import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { AuthenticationException, DPOP_ALGORITHMS, DpopException, DpopNonces, DpopProofVerifier, Principal } from '@hub/auth';
import type { HubConfig } from '@hub/config';
import { HubLogger } from '@hub/observability';
import { DpopReplayRepository } from '@hub/persistence';
import { dataSourceReady } from './database-lifecycle.service';
import { HUB_CONFIG } from './platform.tokens';
import { TokenVerifierProvider } from './token-verifier.provider';

/** Thrown when the shared DPoP replay cache (PostgreSQL) cannot be asked: the request is answered 503, never accepted unchecked. */
export class ReplayCacheUnavailableException extends Error {
  constructor() {
    super('DPoP replay cache unavailable');
    this.name = 'ReplayCacheUnavailableException';
  }
}

const DPOP_SCHEME = /^DPoP ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)$/i;
const PRUNE_EVERY_MS = 60_000;

/**
 * Who sent a request: a plain bearer token (`Authorization: Bearer`, unless configuration
 * requires DPoP), or a DPoP-bound token (`Authorization: DPoP` + a `DPoP` proof, RFC 9449) whose
 * proof is checked against the hub's public base URL (never the Host header) and the replay
 * cache every instance shares. The result is kept per request, so the intake body reader (which
 * authenticates before it reads a byte) and the guard see one verification, and a proof's `jti`
 * is spent once.
 */
@Injectable()
export class RequestAuthenticator {
  private readonly log = new HubLogger(RequestAuthenticator.name);
  private readonly results = new WeakMap<Request, Promise<Principal>>();
  private readonly proofs: DpopProofVerifier;
  private readonly nonces?: DpopNonces;
  private readonly replay: DpopReplayRepository;
  private lastPrune = 0;

  constructor(private readonly tokens: TokenVerifierProvider, @Inject(HUB_CONFIG) private readonly config: HubConfig, private readonly dataSource: DataSource) {
    const dpop = config.auth.dpop;
    this.replay = new DpopReplayRepository(dataSource);
    // The nonce secret is derived from the pseudonym key: secret, and the same on every instance.
    this.nonces = dpop.nonce ? new DpopNonces(`dpop-nonce|${config.pseudonymKey}`, dpop.proofMaxAgeSeconds) : undefined;
    this.proofs = new DpopProofVerifier({
      replay: { remember: (key, expiresAtMs) => this.remember(key, expiresAtMs) },
      maxAgeSeconds: dpop.proofMaxAgeSeconds,
      clockToleranceSeconds: Math.min(config.auth.clockToleranceSeconds, dpop.proofMaxAgeSeconds),
      nonces: this.nonces,
    });
  }

  /** The request's principal (verified once per request); throws AuthenticationException (or DpopException) when refused. */
  authenticate(request: Request): Promise<Principal> {
    let result = this.results.get(request);
    if (!result) {
      result = this.verify(request);
      this.results.set(request, result);
    }
    return result;
  }

  /**
   * The headers of a 401 (RFC 6750 §3, RFC 9449 §7.1): a `DPoP` challenge with the accepted
   * algorithms (and the error when the DPoP scheme was used), a `Bearer` one when bearer tokens
   * are allowed, and a fresh `DPoP-Nonce` when the proof lacked one.
   */
  challenge(error: AuthenticationException): Record<string, string> {
    const dpopError = error instanceof DpopException ? error : undefined;
    const challenges: string[] = [];
    if (!this.config.auth.dpop.required) {
      const bearerError = !dpopError && error.message !== MISSING ? `, error="invalid_token", error_description="${quoted(error.message)}"` : '';
      challenges.push(`Bearer realm="hendelseslager"${bearerError}`);
    }
    const detail = dpopError ? `error="${dpopError.error}", error_description="${quoted(dpopError.message)}", ` : '';
    challenges.push(`DPoP ${detail}algs="${DPOP_ALGORITHMS.join(' ')}"`);
    const headers: Record<string, string> = { 'WWW-Authenticate': challenges.join(', ') };
    if (dpopError?.nonce) headers['DPoP-Nonce'] = dpopError.nonce;
    return headers;
  }

  private async verify(request: Request): Promise<Principal> {
    const authorization = request.headers.authorization;
    if (!authorization) throw new AuthenticationException(MISSING);
    const dpop = DPOP_SCHEME.exec(authorization);
    if (!dpop) {
      if (this.config.auth.dpop.required) throw new DpopException('invalid_token', 'DPoP-bound access token required (Authorization: DPoP with a DPoP proof)');
      return this.tokens.verify(authorization);
    }
    const accessToken = dpop[1];
    let bound: string | undefined;
    let principal: Principal;
    try {
      ({ principal, boundKeyThumbprint: bound } = await this.tokens.verifyToken(accessToken));
    } catch (error) {
      if (error instanceof AuthenticationException) throw new DpopException('invalid_token', error.message);
      throw error;
    }
    if (bound === undefined) throw new DpopException('invalid_token', 'Access token is not DPoP-bound (no cnf.jkt)');
    await this.proofs.verify({ proof: request.headers.dpop, method: request.method, uri: this.requestUri(request), accessToken, boundKeyThumbprint: bound });
    return principal;
  }

  /** The URI the client addressed: the configured public base URL and the path as received (query dropped). */
  private requestUri(request: Request): string {
    const path = (request.originalUrl ?? request.url).split(/[?#]/)[0];
    return `${this.config.publicBaseUrl}${path.startsWith('/') ? path : `/${path}`}`;
  }

  private async remember(key: string, expiresAtMs: number): Promise<boolean> {
    try {
      await dataSourceReady(this.dataSource);
      const fresh = await this.replay.remember(key, expiresAtMs);
      this.pruneNowAndThen();
      return fresh;
    } catch (error) {
      this.log.warn('DPoP replay cache unavailable', { error: error instanceof Error ? error.message : String(error) });
      throw new ReplayCacheUnavailableException();
    }
  }

  private pruneNowAndThen(): void {
    const now = Date.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    void this.replay.prune().catch(() => undefined);
  }
}

const MISSING = 'Missing access token';

/** error_description is a quoted-string: no quotes or backslashes inside (our texts are fixed, this keeps it so). */
function quoted(text: string): string {
  return text.replace(/["\\]/g, "'");
}
