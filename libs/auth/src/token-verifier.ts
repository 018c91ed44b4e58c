import { createHash } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, JSONWebKeySet, JWK, jwtVerify, JWTVerifyGetKey } from 'jose';

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
  securityLevel: 'helseid://claims/identity/security_level',
} as const;

export type Scope = 'messages:write' | 'patients:read' | 'audit:read' | 'ops:admin' | 'patient:self' | 'metrics:read' | 'subscriptions:write';

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
  /**
   * The security level the acting person signed in at (HelseID's `security_level`: 2, 3 or 4;
   * 0 for a value that is no level), when the token names one. System tokens have none.
   */
  securityLevel?: number;
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
  /**
   * Longest lifetime accepted: exp - iat, and the age since iat, may not exceed it (a token
   * minted to live for days is refused even while unexpired). Default 3600 s.
   */
  maxTokenLifetimeSeconds?: number;
  /** Cache of verified tokens (see `TokenVerifier`); `maxEntries: 0` turns it off. */
  cache?: { maxEntries?: number; ttlMs?: number };
}

/** Defaults of the verified-token cache: a client reuses its token for minutes, so hits are the rule. */
export const TOKEN_CACHE_DEFAULTS = { maxEntries: 10_000, ttlMs: 60_000 };

/** Longest token lifetime accepted unless configured (AUTH_MAX_TOKEN_LIFETIME_SECONDS). */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 3600;

/** A verified access token: who it speaks for, and the key it is bound to (`cnf.jkt`, RFC 9449) if any. */
export interface VerifiedToken {
  principal: Principal;
  /** The RFC 7638 SHA-256 thumbprint of the key the token is bound to (DPoP), from `cnf.jkt`. */
  boundKeyThumbprint?: string;
}

interface CachedToken {
  token: VerifiedToken;
  /** min(token exp, time cached + ttl), in ms. */
  validUntilMs: number;
  kid: string;
  /** The verifying key's public material, so a kid re-published with another key is a miss. */
  keyMaterial: string;
}

type RemoteKeySet = JWTVerifyGetKey & { fresh: boolean; jwks(): JSONWebKeySet | undefined };

/**
 * ES256 verification costs about 0.1 ms of CPU per token, and a client sends the same token
 * with every request until it expires, so verified tokens are kept in a bounded cache keyed by
 * the token's SHA-256. An entry is used only until min(the token's exp, `ttlMs` after it was
 * verified), and only while the token's `kid` is still in the current key set with the same key
 * material (a retired or replaced key makes it a miss, and full verification then refuses the
 * token). When the remote key set is due for a refresh, every lookup is a miss until it has been
 * refetched. The cache holds at most `maxEntries` tokens (least recently used go first).
 */
export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey;
  private readonly cache = new Map<string, CachedToken>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;

  constructor(private readonly options: TokenVerifierOptions) {
    if (options.localJwks) {
      this.keys = createLocalJWKSet(options.localJwks);
    } else if (options.jwksUri) {
      // jose caches the key set and refetches on an unknown `kid` (rotation), at most every 30 s.
      this.keys = createRemoteJWKSet(new URL(options.jwksUri), { cacheMaxAge: 10 * 60_000, cooldownDuration: options.jwksCooldownMs ?? 30_000 });
    } else {
      throw new Error('TokenVerifier needs a JWKS URI or a local key set');
    }
    this.maxEntries = options.cache?.maxEntries ?? TOKEN_CACHE_DEFAULTS.maxEntries;
    this.ttlMs = options.cache?.ttlMs ?? TOKEN_CACHE_DEFAULTS.ttlMs;
  }

  /** Tokens currently cached (for tests and metrics). */
  get cachedTokens(): number {
    return this.cache.size;
  }

  /**
   * A plain bearer token (`Authorization: Bearer <jwt>`). A DPoP-bound token (one with
   * `cnf.jkt`) is refused here: sent as bearer it has lost the proof of possession it was
   * issued with (RFC 9449 §7.1), so a stolen one would work without its key.
   */
  async verify(authorization: string | undefined): Promise<Principal> {
    const match = /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)$/.exec(authorization ?? '');
    if (!match) throw new AuthenticationException('Missing or malformed Bearer token');
    const verified = await this.verifyToken(match[1]);
    if (verified.boundKeyThumbprint !== undefined) throw new AuthenticationException('A DPoP-bound token must be sent with the DPoP scheme and a proof');
    return verified.principal;
  }

  /** Verifies one access token (the compact JWT alone), bound or not; the caller checks the binding. */
  async verifyToken(token: string): Promise<VerifiedToken> {
    if (!/^[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*$/.test(token)) throw new AuthenticationException('Malformed access token');
    const hash = this.maxEntries > 0 ? createHash('sha256').update(token).digest('base64url') : undefined;
    const hit = hash !== undefined ? this.lookup(hash) : undefined;
    if (hit) return copy(hit);
    const verified = await this.verifyFully(token);
    if (hash !== undefined) this.remember(hash, token, verified);
    return copy(verified);
  }

  private lookup(hash: string): VerifiedToken | undefined {
    const entry = this.cache.get(hash);
    if (!entry) return undefined;
    if (Date.now() >= entry.validUntilMs || this.keyMaterial(entry.kid) !== entry.keyMaterial) {
      this.cache.delete(hash);
      return undefined;
    }
    // Least recently used goes first: move the hit to the end.
    this.cache.delete(hash);
    this.cache.set(hash, entry);
    return entry.token;
  }

  private remember(hash: string, token: string, verified: VerifiedToken): void {
    let kid: string | undefined;
    let exp: number | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
      exp = decodeJwt(token).exp;
    } catch {
      return;
    }
    // Only tokens naming their key are cached: the hit check needs the kid.
    if (typeof kid !== 'string' || typeof exp !== 'number') return;
    const material = this.keyMaterial(kid);
    if (material === undefined) return;
    const now = Date.now();
    const validUntilMs = Math.min(exp * 1000, now + this.ttlMs);
    if (validUntilMs <= now) return;
    while (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(hash, { token: verified, validUntilMs, kid, keyMaterial: material });
  }

  /**
   * The public material of the key with this kid in the current key set, or undefined when the
   * kid is not there (retired) or the remote set is due for a refresh (so the next full
   * verification refetches it).
   */
  private keyMaterial(kid: string): string | undefined {
    let jwks: JSONWebKeySet | undefined;
    if (this.options.localJwks) jwks = this.options.localJwks;
    else {
      const remote = this.keys as RemoteKeySet;
      if (!remote.fresh) return undefined;
      jwks = remote.jwks();
    }
    const key = jwks?.keys.find((k) => k.kid === kid);
    return key ? publicMaterial(key) : undefined;
  }

  private async verifyFully(token: string): Promise<VerifiedToken> {
    const maxLifetime = this.options.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
    try {
      // maxTokenAge makes jose check iat too: a token issued in the future (beyond the clock
      // tolerance) is refused, and so is one older than the longest lifetime.
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ALLOWED_ALGORITHMS,
        clockTolerance: this.options.clockToleranceSeconds,
        requiredClaims: ['exp', 'iat'],
        maxTokenAge: maxLifetime,
      });
      if ((payload.exp as number) - (payload.iat as number) > maxLifetime) throw new AuthenticationException(`Token lifetime is over ${maxLifetime} s`);
      const boundKeyThumbprint = confirmationThumbprint(payload.cnf);
      const clientId = typeof payload.client_id === 'string' ? payload.client_id : typeof payload.sub === 'string' ? payload.sub : undefined;
      if (!clientId) throw new AuthenticationException('Token has no client_id');
      const scopes = new Set(typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : Array.isArray(payload.scope) ? payload.scope.map(String) : []);
      // Only well-formed kommunenummer (or '*' for cross-kommune operators) grant anything.
      const kommuner = new Set((Array.isArray(payload.kommuner) ? payload.kommuner.map(String) : []).filter((k) => /^\d{4}$/.test(k) || k === '*'));
      const claim = (...names: string[]) => names.map((n) => stringClaim(payload[n])).find((v) => v !== undefined);
      const principal: Principal = {
        clientId,
        scopes,
        kommuner,
        // The short names are the dev issuer's; the URIs are HelseID's claim names.
        organisation: claim('org', HELSEID_CLAIMS.childOrganisation, HELSEID_CLAIMS.parentOrganisation),
        hpr: claim('hpr', HELSEID_CLAIMS.hpr),
        actorName: claim('name'),
        patientIdentifier: claim('pid', HELSEID_CLAIMS.pid),
      };
      const level = securityLevelClaim(payload.security_level ?? payload[HELSEID_CLAIMS.securityLevel]);
      if (level !== undefined) principal.securityLevel = level;
      return boundKeyThumbprint === undefined ? { principal } : { principal, boundKeyThumbprint };
    } catch (error) {
      if (error instanceof AuthenticationException) throw error;
      if (error instanceof errors.JWTExpired) throw new AuthenticationException(error.claim === 'iat' ? 'Token is older than the longest lifetime' : 'Token expired');
      // jose reports a missing iat and an iat in the future alike; only the second is "in the future".
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'iat' && error.reason !== 'missing') throw new AuthenticationException('Token issued in the future');
      if (error instanceof errors.JWTClaimValidationFailed) throw new AuthenticationException(`Token claim '${error.claim}' is not valid`);
      if (error instanceof errors.JOSEAlgNotAllowed) throw new AuthenticationException('Token algorithm not allowed');
      if (error instanceof errors.JOSEError) throw new AuthenticationException(`Token rejected (${error.code})`);
      throw error;
    }
  }
}

function publicMaterial(key: JWK): string {
  return [key.kty, key.crv, key.x, key.y, key.n, key.e].join('|');
}

/** Each request gets its own Principal, so nothing a caller does to it reaches the cache. */
function copy(verified: VerifiedToken): VerifiedToken {
  const principal = verified.principal;
  return { ...verified, principal: { ...principal, scopes: new Set(principal.scopes), kommuner: new Set(principal.kommuner) } };
}

/**
 * The `cnf.jkt` of a DPoP-bound token; a `cnf` present but without a well-formed jkt is refused
 * (the token is bound to something this hub cannot check).
 */
function confirmationThumbprint(cnf: unknown): string | undefined {
  if (cnf === undefined) return undefined;
  const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as { jkt?: unknown }).jkt : undefined;
  if (typeof jkt !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(jkt)) throw new AuthenticationException('Token confirmation (cnf) is not a DPoP key thumbprint');
  return jkt;
}

/**
 * HelseID's `security_level` claim, read the same way for access tokens and for the web page's
 * sign-in: sent as a string ("4") or a number; 2, 3 or 4, else 0 (present but no level),
 * undefined when absent.
 */
export function securityLevelClaim(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const level = typeof value === 'number' ? value : typeof value === 'string' && /^\d$/.test(value) ? Number(value) : 0;
  return [2, 3, 4].includes(level) ? level : 0;
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
