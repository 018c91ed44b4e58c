import { createLocalJWKSet, createRemoteJWKSet, errors, JSONWebKeySet, jwtVerify, JWTVerifyGetKey } from 'jose';

/**
 * Verifies HelseID-style access tokens: signature against a JWKS (remote with caching and
 * key rotation, or the local development issuer's), issuer, audience, expiry with a small
 * clock tolerance, and an explicit allow-list of asymmetric algorithms (so `alg: none` and
 * HMAC-with-public-key tricks are refused).
 */
export const ALLOWED_ALGORITHMS = ['RS256', 'PS256', 'ES256'];

/** HelseID's names for the claims the hub reads, accepted beside the dev issuer's short names. */
export const HELSEID_CLAIMS = {
  parentOrganisation: 'helseid://claims/client/claims/orgnr_parent',
  childOrganisation: 'helseid://claims/client/claims/orgnr_child',
  hpr: 'helseid://claims/hpr/hpr_number',
  pid: 'helseid://claims/identity/pid',
} as const;

export type Scope = 'messages:write' | 'patients:read' | 'audit:read' | 'ops:admin' | 'patient:self';

export interface Principal {
  clientId: string;
  scopes: Set<string>;
  /** Kommuner this token may write to or read from. */
  kommuner: Set<string>;
  /** The client's organisation (HER-id or organisasjonsnummer). */
  organisation?: string;
  /** The acting person's HPR-number, when a person acts. */
  hpr?: string;
  actorName?: string;
  /** The citizen's own identifier, for tokens issued to a patient (scope patient:self). */
  patientIdentifier?: string;
}

export class AuthenticationException extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationException';
  }
}

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
  jwksUri?: string;
  localJwks?: JSONWebKeySet;
  /** Least time between two JWKS fetches triggered by unknown `kid`s (default 30 s). */
  jwksCooldownMs?: number;
}

export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(private readonly options: TokenVerifierOptions) {
    if (options.localJwks) {
      this.keys = createLocalJWKSet(options.localJwks);
    } else if (options.jwksUri) {
      // jose caches the key set and refetches on an unknown `kid` (rotation), at most every 30 s.
      this.keys = createRemoteJWKSet(new URL(options.jwksUri), { cacheMaxAge: 10 * 60_000, cooldownDuration: options.jwksCooldownMs ?? 30_000 });
    } else {
      throw new Error('TokenVerifier needs a JWKS URI or a local key set');
    }
  }

  async verify(authorization: string | undefined): Promise<Principal> {
    const match = /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)$/.exec(authorization ?? '');
    if (!match) throw new AuthenticationException('Missing or malformed Bearer token');
    try {
      const { payload } = await jwtVerify(match[1], this.keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ALLOWED_ALGORITHMS,
        clockTolerance: this.options.clockToleranceSeconds,
        requiredClaims: ['exp', 'iat'],
      });
      const clientId = typeof payload.client_id === 'string' ? payload.client_id : typeof payload.sub === 'string' ? payload.sub : undefined;
      if (!clientId) throw new AuthenticationException('Token has no client_id');
      const scopes = new Set(typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : Array.isArray(payload.scope) ? payload.scope.map(String) : []);
      // Only well-formed kommunenummer (or '*' for cross-kommune operators) grant anything.
      const kommuner = new Set((Array.isArray(payload.kommuner) ? payload.kommuner.map(String) : []).filter((k) => /^\d{4}$/.test(k) || k === '*'));
      const claim = (...names: string[]) => names.map((n) => stringClaim(payload[n])).find((v) => v !== undefined);
      return {
        clientId,
        scopes,
        kommuner,
        // The short names are the dev issuer's; the URIs are HelseID's claim names.
        organisation: claim('org', HELSEID_CLAIMS.childOrganisation, HELSEID_CLAIMS.parentOrganisation),
        hpr: claim('hpr', HELSEID_CLAIMS.hpr),
        actorName: claim('name'),
        patientIdentifier: claim('pid', HELSEID_CLAIMS.pid),
      };
    } catch (error) {
      if (error instanceof AuthenticationException) throw error;
      if (error instanceof errors.JWTExpired) throw new AuthenticationException('Token expired');
      if (error instanceof errors.JWTClaimValidationFailed) throw new AuthenticationException(`Token claim '${error.claim}' is not valid`);
      if (error instanceof errors.JOSEAlgNotAllowed) throw new AuthenticationException('Token algorithm not allowed');
      if (error instanceof errors.JOSEError) throw new AuthenticationException(`Token rejected (${error.code})`);
      throw error;
    }
  }
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
