import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, JSONWebKeySet, JWK, SignJWT } from 'jose';

/**
 * The local development issuer: an ES256 key pair kept in a file, used to mint tokens for
 * development and tests (`npm run token`). The hub trusts it only when
 * HENDELSESLAGER_DEV_ISSUER=true, which production configuration refuses.
 */
export const DEV_ISSUER = 'urn:hendelseslager:dev-issuer';

interface StoredKey {
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function loadOrCreateDevKey(keyFile: string): Promise<StoredKey> {
  if (existsSync(keyFile)) return JSON.parse(readFileSync(keyFile, 'utf8')) as StoredKey;
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomUUID();
  const stored: StoredKey = {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
  };
  mkdirSync(dirname(keyFile), { recursive: true });
  writeFileSync(keyFile, JSON.stringify(stored), { mode: 0o600 });
  return stored;
}

export async function devJwks(keyFile: string): Promise<JSONWebKeySet> {
  const { publicJwk } = await loadOrCreateDevKey(keyFile);
  return { keys: [publicJwk] };
}

export interface DevTokenRequest {
  client: string;
  scopes: string[];
  kommuner: string[];
  audience: string;
  organisation?: string;
  hpr?: string;
  name?: string;
  /** For a citizen's own token (scope patient:self). */
  patientIdentifier?: string;
  expiresInSeconds?: number;
  /** Binds the token to this DPoP key (RFC 7638 thumbprint, the token's `cnf.jkt`). */
  dpopThumbprint?: string;
  /** The acting person's security level (`security_level`), for a token that speaks for a person. */
  securityLevel?: number;
}

export async function mintDevToken(keyFile: string, request: DevTokenRequest): Promise<string> {
  const { privateJwk } = await loadOrCreateDevKey(keyFile);
  const key = await importJWK(privateJwk, 'ES256');
  const claims: Record<string, unknown> = {
    client_id: request.client,
    scope: request.scopes.join(' '),
    kommuner: request.kommuner,
  };
  if (request.organisation) claims.org = request.organisation;
  if (request.hpr) claims.hpr = request.hpr;
  if (request.name) claims.name = request.name;
  if (request.patientIdentifier) claims.pid = request.patientIdentifier;
  if (request.dpopThumbprint) claims.cnf = { jkt: request.dpopThumbprint };
  if (request.securityLevel !== undefined) claims.security_level = String(request.securityLevel);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid, typ: 'at+jwt' })
    .setIssuer(DEV_ISSUER)
    .setAudience(request.audience)
    .setSubject(request.client)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(`${request.expiresInSeconds ?? 3600}s`)
    .sign(key);
}
