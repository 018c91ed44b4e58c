import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { parse } from 'yaml';
import { HELSEID_CLAIMS, Principal, securityLevelClaim } from './token-verifier';

/**
 * The web page's signed-in person: HelseID's claims mapped to what the hub needs, the session
 * kept in a sealed (AES-256-GCM) HttpOnly cookie, and the principal the reads are audited as.
 * Pure functions and a codec; the Nest controllers in libs/feature-read-api use them.
 */

/** HelseID's security level claim (one name with the access token's, `HELSEID_CLAIMS.securityLevel`). */
export const HELSEID_SECURITY_LEVEL_CLAIM = HELSEID_CLAIMS.securityLevel;

/** HelseID's scopes for the identity claims the hub reads (besides `openid` and `profile`). */
export const HELSEID_WEB_SCOPES = ['openid', 'profile', 'helseid://scopes/identity/pid', 'helseid://scopes/identity/security_level', 'helseid://scopes/hpr/hpr_number'];

/** The security level patient reads need: 4 is HelseID's high level (BankID, Buypass, Commfides). */
export const PATIENT_READ_SECURITY_LEVEL = 4;

export interface WebIdentity {
  /** The provider's subject identifier (pairwise or pid pseudonym at HelseID). */
  subject: string;
  name: string;
  /** HPR number; absent for people who are not authorised health personnel. */
  hpr?: string;
  /** 2, 3 or 4 (HelseID); 0 when the claim is absent or not a level. */
  securityLevel: number;
  /** The organisation the person acts for: orgnr_child when given, else orgnr_parent. */
  organisation: string;
  kommunenummer: string;
}

export class WebIdentityException extends Error {
  constructor(readonly code: 'no_organisation' | 'unknown_organisation' | 'no_name', message: string) {
    super(message);
    this.name = 'WebIdentityException';
  }
}

/** orgnr (9 digits) -> kommunenummer, from the organisations file (HENDELSESLAGER_ORGANISATIONS). */
export type OrganisationKommuner = ReadonlyMap<string, string>;

/**
 * Parses the organisations file: `organisasjoner: [{ orgnr: "999342809", kommunenummer: "3428", navn?: ... }]`.
 * Throws on a malformed entry or an orgnr listed twice (one organisation belongs to one kommune).
 */
export function parseOrganisationKommuner(text: string): OrganisationKommuner {
  const document = parse(text) as { organisasjoner?: unknown } | null;
  const entries = document?.organisasjoner ?? [];
  if (!Array.isArray(entries)) throw new Error('organisasjoner must be a list');
  const map = new Map<string, string>();
  entries.forEach((entry: unknown, index) => {
    const { orgnr, kommunenummer } = (entry ?? {}) as { orgnr?: unknown; kommunenummer?: unknown };
    if (typeof orgnr !== 'string' || !/^\d{9}$/.test(orgnr)) throw new Error(`organisasjoner[${index}].orgnr must be 9 digits in quotes`);
    if (typeof kommunenummer !== 'string' || !/^\d{4}$/.test(kommunenummer)) throw new Error(`organisasjoner[${index}].kommunenummer must be 4 digits in quotes`);
    if (map.has(orgnr)) throw new Error(`organisasjoner[${index}]: orgnr listed twice`);
    map.set(orgnr, kommunenummer);
  });
  return map;
}

/**
 * Maps verified ID token claims (HelseID's names) to the web identity. The kommune follows from
 * the organisation: orgnr_child (the unit the person works in) when the map knows it, else
 * orgnr_parent. An organisation the hub does not serve signs nobody in.
 */
export function mapHelseIdClaims(claims: JWTPayload, organisations: OrganisationKommuner): WebIdentity {
  const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);
  const child = text(claims[HELSEID_CLAIMS.childOrganisation]);
  const parent = text(claims[HELSEID_CLAIMS.parentOrganisation]);
  if (!child && !parent) throw new WebIdentityException('no_organisation', 'The sign-in names no organisation');
  const organisation = [child, parent].find((orgnr) => orgnr !== undefined && organisations.has(orgnr));
  if (!organisation) throw new WebIdentityException('unknown_organisation', 'Your organisation is not connected to a kommune on this hub');
  const name = text(claims.name) ?? [text(claims.given_name), text(claims.family_name)].filter(Boolean).join(' ');
  if (!name) throw new WebIdentityException('no_name', 'The sign-in names no person');
  const hpr = text(claims[HELSEID_CLAIMS.hpr]);
  return {
    subject: String(claims.sub),
    name,
    hpr: hpr && /^\d{1,9}$/.test(hpr) ? hpr : undefined,
    securityLevel: securityLevelClaim(claims[HELSEID_SECURITY_LEVEL_CLAIM]) ?? 0,
    organisation,
    kommunenummer: organisations.get(organisation)!,
  };
}

/**
 * The principal a web session reads as: the web client, `patients:read` in the person's kommune
 * only, and the person (HPR number, name) and organisation, which the audit event records.
 */
export function webPrincipal(identity: WebIdentity, clientId: string): Principal {
  return {
    clientId,
    scopes: new Set(['patients:read']),
    kommuner: new Set([identity.kommunenummer]),
    organisation: identity.organisation,
    hpr: identity.hpr,
    actorName: identity.name,
  };
}

/** Patient reads from the page need HelseID security level 4 (the person's HPR number, when any, is audited). */
export function mayReadPatients(identity: WebIdentity): { allowed: true } | { allowed: false; reason: 'security_level'; detail: string } {
  if (identity.securityLevel < PATIENT_READ_SECURITY_LEVEL) {
    return { allowed: false, reason: 'security_level', detail: `Patient lookups need sign-in at security level ${PATIENT_READ_SECURITY_LEVEL} (BankID or similar); you signed in at level ${identity.securityLevel || 'unknown'}` };
  }
  return { allowed: true };
}

/**
 * The same rule for API tokens: a token that names the acting person's security level (a
 * person signed in at HelseID, not a system) may read patients only at level 4. Tokens without
 * the claim are system tokens (client credentials) and are not affected.
 */
export function personBelowPatientReadLevel(principal: Principal): boolean {
  return principal.securityLevel !== undefined && principal.securityLevel < PATIENT_READ_SECURITY_LEVEL;
}

/** The session as kept in the sealed cookie; `id` names its server-side row (ended at logout). */
export interface WebSession {
  id: string;
  kind: 'oidc' | 'dev';
  identity: WebIdentity;
  /** For id_token_hint at logout (oidc only). */
  idToken?: string;
  /** Seconds since the epoch; the session ends then whatever the cookie's own expiry says. */
  expiresAt: number;
}

/**
 * Sealed cookie values: AES-256-GCM with a key derived per purpose ("session" and "login"
 * cookies cannot be swapped), the expiry inside the authenticated plaintext, base64url outside.
 */
export class SealedCookieCodec {
  private readonly key: Buffer;

  constructor(secret: string, private readonly purpose: string) {
    if (secret.length < 16) throw new Error('Cookie key must be at least 16 characters');
    this.key = createHash('sha256').update(`hendelseslager-cookie|${purpose}|${secret}`).digest();
  }

  seal(value: unknown, expiresAt: number): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(this.purpose));
    const encrypted = Buffer.concat([cipher.update(JSON.stringify({ v: value, exp: expiresAt })), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), encrypted]).toString('base64url');
  }

  /** The value, or undefined when the cookie was tampered with, sealed for another purpose or key, or expired. */
  open<T>(sealed: string | undefined, now = Date.now()): T | undefined {
    if (!sealed || sealed.length > 8192 || !/^[A-Za-z0-9_-]+$/.test(sealed)) return undefined;
    try {
      const raw = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(this.purpose));
      decipher.setAuthTag(raw.subarray(12, 28));
      const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
      const { v, exp } = JSON.parse(plain.toString('utf8')) as { v: T; exp: number };
      return typeof exp === 'number' && exp > Math.floor(now / 1000) ? v : undefined;
    } catch {
      return undefined;
    }
  }
}

export interface CookieOptions {
  maxAgeSeconds: number;
  /** Secure when the public base URL is https. */
  secure: boolean;
  path?: string;
}

/** A Set-Cookie value: always HttpOnly and SameSite=Lax (the provider's callback is a top-level GET). */
export function setCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${options.path ?? '/'}`, `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`, 'HttpOnly', 'SameSite=Lax'];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

export function clearCookie(name: string, options: Omit<CookieOptions, 'maxAgeSeconds'>): string {
  return setCookie(name, '', { ...options, maxAgeSeconds: 0 });
}

/** One cookie's value from a Cookie header (the first of that name), or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}
