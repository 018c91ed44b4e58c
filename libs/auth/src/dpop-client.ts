import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, JWK, SignJWT } from 'jose';

/**
 * The client side of DPoP (RFC 9449): a key pair kept in a file and proofs signed with it. Used
 * by `npm run token` (a DPoP-bound token from the development issuer, and proofs for requests)
 * and by the tests; the hub itself only verifies (dpop-proof.verifier.ts).
 */
export interface DpopKey {
  privateJwk: JWK;
  publicJwk: JWK;
  /** RFC 7638 SHA-256 thumbprint of the public key: the token's `cnf.jkt`. */
  thumbprint: string;
}

export async function generateDpopKey(alg: 'ES256' | 'PS256' | 'RS256' = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), alg };
  return { privateJwk: { ...(await exportJWK(privateKey)), alg }, publicJwk, thumbprint: await calculateJwkThumbprint(publicJwk, 'sha256') };
}

/** The DPoP key in `file`, created (ES256, mode 0600) when the file does not exist. */
export async function loadOrCreateDpopKey(file: string): Promise<DpopKey> {
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Omit<DpopKey, 'thumbprint'>;
    return { ...stored, thumbprint: await calculateJwkThumbprint(stored.publicJwk, 'sha256') };
  }
  const key = await generateDpopKey();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ privateJwk: key.privateJwk, publicJwk: key.publicJwk }), { mode: 0o600 });
  return key;
}

export interface DpopProofRequest {
  /** HTTP method of the request, e.g. POST. */
  htm: string;
  /** The request URI without query or fragment. */
  htu: string;
  /** The access token the proof goes with (its hash becomes `ath`). */
  accessToken?: string;
  /** The server's `DPoP-Nonce`, when it asked for one. */
  nonce?: string;
  /** Seconds since the epoch; now when absent. */
  iat?: number;
  jti?: string;
}

/** A DPoP proof JWT signed with `key`, carrying its public key in the header. */
export async function createDpopProof(key: DpopKey, request: DpopProofRequest): Promise<string> {
  const alg = key.privateJwk.alg ?? 'ES256';
  const claims: Record<string, unknown> = { htm: request.htm, htu: request.htu, jti: request.jti ?? randomUUID(), iat: request.iat ?? Math.floor(Date.now() / 1000) };
  if (request.accessToken !== undefined) claims.ath = accessTokenHash(request.accessToken);
  if (request.nonce !== undefined) claims.nonce = request.nonce;
  const { kty, crv, x, y, n, e } = key.publicJwk;
  const jwk = Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter(([, v]) => v !== undefined)) as unknown as JWK;
  return new SignJWT(claims).setProtectedHeader({ typ: 'dpop+jwt', alg, jwk }).sign(await importJWK(key.privateJwk, alg));
}

/** `ath`: base64url of the SHA-256 of the access token's ASCII bytes (RFC 9449 §4.2). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}
