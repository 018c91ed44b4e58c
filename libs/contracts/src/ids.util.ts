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

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * The hub's identity of one message, used wherever it keys by message: intake receipts (duplicate
 * and conflict detection), AppRec correlation, event ids and hubMessageIds, the document chains
 * (own key, ConversationRef) and the raw archive.
 *
 * A MsgId that is a UUID is unique on its own and is the key as it is (so every id derived before
 * non-UUID MsgIds were accepted stays the same). Any other MsgId is only unique per sender, so the
 * key is the sender's top-level HER-id (canonical, see normalizeHerId in libs/messages) and the
 * MsgId: `her:<herId>|<msgId>`. No UUID starts with `her:`, so the two forms never collide.
 */
export function messageKey(msgId: string, senderTopHerId: string | null | undefined): string {
  return UUID.test(msgId) ? msgId : `her:${senderTopHerId ?? ''}|${msgId}`;
}

/**
 * Kafka key of a raw or event record that has no patient pseudonym (no patient, an AppRec): a
 * deterministic UUID of the message key, so a sender's free-text MsgId never becomes a key and
 * every record of one message still lands on one partition.
 */
export function messageRecordKey(key: string): string {
  return `msg:${uuidV5(`record-key|${key}`)}`;
}

/** The MsgId as sent and the scoping sender HER-id of a message key (the inverse of messageKey). */
export function splitMessageKey(key: string): { msgId: string; senderHerId: string | null } {
  if (!key.startsWith('her:')) return { msgId: key, senderHerId: null };
  const bar = key.indexOf('|');
  return { msgId: key.slice(bar + 1), senderHerId: key.slice(4, bar) };
}
