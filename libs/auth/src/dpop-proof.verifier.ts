import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, JWK, jwtVerify } from 'jose';
import { accessTokenHash } from './dpop-client';
import { AuthenticationException } from './token-verifier';

/**
 * DPoP proofs (RFC 9449), as HelseID's APIs check them: a client proves with every request that
 * it holds the private key its access token is bound to (`cnf.jkt`), so a stolen token is of no
 * use without the key. Pure verification (no Nest, no database): the replay cache is a port
 * (`DpopReplayCache`) that the platform backs with PostgreSQL, shared by every hub instance.
 */

/** Asymmetric algorithms only: `none` and HMAC (a shared secret proves nothing about a key pair) are refused. */
export const DPOP_ALGORITHMS = ['ES256', 'ES384', 'PS256', 'PS384', 'RS256', 'RS384', 'EdDSA'] as const;

/** The errors of RFC 9449 §7.1 (and RFC 6750 §3.1's invalid_token for the access token itself). */
export type DpopError = 'invalid_dpop_proof' | 'use_dpop_nonce' | 'invalid_token';

/** A refused request, with what the 401's `WWW-Authenticate: DPoP` challenge must say. */
export class DpopException extends AuthenticationException {
  constructor(readonly error: DpopError, message: string, readonly nonce?: string) {
    super(message);
    this.name = 'DpopException';
  }
}

/** Remembers proof ids for as long as a proof with them could be accepted; shared by every instance. */
export interface DpopReplayCache {
  /**
   * Records `key` (a digest of the key thumbprint and the proof's `jti`) until `expiresAtMs`;
   * answers false when it was already recorded and has not expired (a replay).
   */
  remember(key: string, expiresAtMs: number): Promise<boolean>;
}

/**
 * Server nonces (RFC 9449 §8) without shared state: a nonce is the time window it was issued in
 * and an HMAC of it under a secret every instance has, so any instance accepts another's nonce.
 * A nonce is valid in its own window and the next (so one issued just before a window ends still works).
 */
export class DpopNonces {
  constructor(private readonly secret: string, private readonly windowSeconds: number, private readonly now: () => number = Date.now) {}

  current(): string {
    return this.nonceFor(this.window());
  }

  isValid(nonce: unknown): boolean {
    if (typeof nonce !== 'string' || nonce.length > 128) return false;
    const current = this.window();
    return [current, current - 1].some((w) => equal(this.nonceFor(w), nonce));
  }

  private window(): number {
    return Math.floor(this.now() / 1000 / this.windowSeconds);
  }

  private nonceFor(window: number): string {
    const mac = createHmac('sha256', this.secret).update(`dpop-nonce|${window}`).digest('base64url').slice(0, 32);
    return `${window.toString(36)}.${mac}`;
  }
}

export interface DpopProofVerifierOptions {
  replay: DpopReplayCache;
  /** How far in the past a proof's `iat` may lie; its `jti` is remembered this long (plus the tolerance). */
  maxAgeSeconds: number;
  /** How far in the future a proof's `iat` may lie (clock skew). */
  clockToleranceSeconds: number;
  /** When set, every proof must carry a current server nonce. */
  nonces?: DpopNonces;
  now?: () => number;
}

export interface DpopRequest {
  /** The `DPoP` header(s) as received (Node joins repeated headers with ", "). */
  proof: string | string[] | undefined;
  /** The request's method, e.g. GET. */
  method: string;
  /** The request's URI as the client addressed it: built from the configured public base URL and the request path, never from Host. */
  uri: string;
  /** The access token (the compact JWT after `DPoP `). */
  accessToken: string;
  /** The token's `cnf.jkt`. */
  boundKeyThumbprint: string;
}

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export class DpopProofVerifier {
  private readonly now: () => number;

  constructor(private readonly options: DpopProofVerifierOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Verifies the proof of one request (RFC 9449 §4.3); throws DpopException saying why not. */
  async verify(request: DpopRequest): Promise<void> {
    const proof = single(request.proof);
    const header = this.header(proof);
    const jwk = header.jwk as JWK;
    const thumbprint = await calculateJwkThumbprint(jwk, 'sha256').catch(() => invalid('DPoP proof key cannot be read'));
    let payload: Record<string, unknown>;
    try {
      const key = await importJWK(jwk, header.alg);
      ({ payload } = await jwtVerify(proof, key, { typ: 'dpop+jwt', algorithms: [...DPOP_ALGORITHMS], requiredClaims: ['jti', 'htm', 'htu', 'iat'], currentDate: new Date(this.now()) }));
    } catch (error) {
      // Whatever jose or node:crypto refuse in the proof's own key or signature is the proof's
      // fault (a 401, never a 500): JOSE errors, and node:crypto's TypeErrors for a key that is
      // not one (e.g. ERR_CRYPTO_INVALID_JWK, a point off its curve), which need not be instances
      // of this realm's TypeError.
      invalid(`DPoP proof rejected (${(error as { code?: unknown }).code ?? 'key'})`);
    }
    if (payload.htm !== request.method) invalid('DPoP proof htm does not match the request method');
    if (!sameUri(payload.htu, request.uri)) invalid('DPoP proof htu does not match the request URI');
    const nowSeconds = this.now() / 1000;
    const iat = payload.iat as number;
    if (iat > nowSeconds + this.options.clockToleranceSeconds) invalid('DPoP proof iat is in the future');
    if (iat < nowSeconds - this.options.maxAgeSeconds) invalid('DPoP proof is too old');
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) invalid('DPoP proof jti is missing or too long');
    if (payload.ath !== accessTokenHash(request.accessToken)) invalid('DPoP proof ath does not match the access token');
    if (!equal(thumbprint, request.boundKeyThumbprint)) invalid('DPoP proof key is not the key the access token is bound to');
    const nonces = this.options.nonces;
    if (nonces && !nonces.isValid(payload.nonce)) throw new DpopException('use_dpop_nonce', 'Resource server requires nonce in DPoP proof', nonces.current());
    // Last, so a proof refused for any other reason does not take a place in the cache.
    const replayKey = createHash('sha256').update(`${thumbprint}|${payload.jti}`).digest('base64url');
    const rememberedUntil = (iat + this.options.maxAgeSeconds + this.options.clockToleranceSeconds) * 1000;
    if (!(await this.options.replay.remember(replayKey, Math.max(rememberedUntil, this.now() + 1000)))) invalid('DPoP proof jti was used before');
  }

  /** The proof's protected header, with the checks that come before its signature (RFC 9449 §4.3 steps 1-6). */
  private header(proof: string): { alg: string; jwk: JWK } {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(proof);
    } catch {
      return invalid('DPoP proof is not a JWT');
    }
    if (header.typ !== 'dpop+jwt') invalid('DPoP proof typ is not dpop+jwt');
    if (typeof header.alg !== 'string' || !(DPOP_ALGORITHMS as readonly string[]).includes(header.alg)) invalid('DPoP proof algorithm not allowed');
    const jwk = header.jwk as Record<string, unknown> | undefined;
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) invalid('DPoP proof has no jwk');
    if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk!) || jwk!.kty === 'oct') invalid('DPoP proof jwk must be a public key');
    return { alg: header.alg as string, jwk: jwk as unknown as JWK };
  }
}

function single(proof: string | string[] | undefined): string {
  if (proof === undefined || proof === '') throw new DpopException('invalid_dpop_proof', 'DPoP proof missing');
  // One proof only (§4.3 step 1); repeated headers arrive as an array or joined with ", ".
  if (Array.isArray(proof) || !COMPACT_JWS.test(proof)) invalid('Exactly one well-formed DPoP proof is required');
  return proof as string;
}

/**
 * htu against the request URI (§4.3 step 9): scheme, host, port and path after syntax- and
 * scheme-based normalisation (RFC 3986 §6.2.2-6.2.3: case of scheme and host, default port, dot
 * segments, percent-encoding case, an empty path as "/"), ignoring query and fragment.
 */
export function sameUri(htu: unknown, uri: string): boolean {
  if (typeof htu !== 'string' || htu.length > 4096) return false;
  const a = normalised(htu);
  const b = normalised(uri);
  return a !== undefined && a === b;
}

function normalised(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const path = url.pathname.replace(/%[0-9a-f]{2}/gi, (escape) => {
    const char = String.fromCharCode(parseInt(escape.slice(1), 16));
    // Unreserved characters are decoded, every other escape upper-cased.
    return /[A-Za-z0-9\-._~]/.test(char) ? char : escape.toUpperCase();
  });
  return `${url.protocol}//${url.host}${path}`;
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function invalid(message: string): never {
  throw new DpopException('invalid_dpop_proof', message);
}
