import { createHash, createHmac } from 'node:crypto';

/** Namespace for the hub's deterministic UUIDv5 ids (a fixed random UUID, never change it). */
const HUB_NAMESPACE = '3f0e7b1c-5a4e-4d39-9a6c-0b6f2a1d8e47';

/**
 * RFC 4122 UUIDv5 from a name. Event ids are derived from their inputs, never random, so a
 * replay of the raw topic yields the same ids and every consumer can deduplicate on them.
 */
export function uuidV5(name: string, namespace = HUB_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Patient pseudonym: a keyed hash (HMAC-SHA256) of the kommune and the canonical identifier.
 * Kafka keys, read-model rows and audit records carry only this. It is per kommune, so the
 * same person cannot be linked across kommuner by pseudonym alone, and it cannot be reversed
 * without the key. The identifier type is part of the input, so an FNR and a DNR never collide.
 */
export function patientPseudonym(key: string, kommunenummer: string, identifierType: string, value: string): string {
  return createHmac('sha256', key)
    .update(`${kommunenummer}|${identifierType.toUpperCase()}|${value.trim()}`)
    .digest('base64url')
    .slice(0, 32);
}
