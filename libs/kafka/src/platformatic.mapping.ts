import type { IncomingRecord } from './kafka.port';

/**
 * Pure translations between the port's types and @platformatic/kafka's wire-level shapes, kept
 * apart from the adapter so they are unit-tested without loading the (ESM-only) client.
 */

/** Attribute bit of a record batch holding transaction markers, never user records. */
const CONTROL_BATCH = 0x20;

/** The part of a fetched record batch the adapter reads (mirrors the client's RecordsBatch). */
export interface FetchedBatch {
  firstOffset: bigint;
  firstTimestamp: bigint;
  attributes: number;
  records: Array<{
    offsetDelta: number;
    timestampDelta: bigint;
    key: Buffer | null;
    value: Buffer | null;
    headers: Array<[Buffer | null, Buffer | null]>;
  }>;
}

/**
 * Turns the record batches of one fetched partition into port records. Records before `from` are
 * dropped: Kafka answers a fetch with whole batches, so the first batch may start earlier than
 * the requested offset. Transaction control batches are skipped.
 */
export function toIncomingRecords(topic: string, partition: number, batches: FetchedBatch[] | undefined, from: bigint): IncomingRecord[] {
  const out: IncomingRecord[] = [];
  for (const batch of batches ?? []) {
    if (batch.attributes & CONTROL_BATCH) continue;
    for (const record of batch.records) {
      const offset = batch.firstOffset + BigInt(record.offsetDelta);
      if (offset < from) continue;
      out.push({
        topic,
        partition,
        offset: offset.toString(),
        key: record.key ? record.key.toString('utf8') : null,
        value: record.value,
        headers: headersToStrings(record.headers),
        timestamp: (batch.firstTimestamp + record.timestampDelta).toString(),
      });
    }
  }
  return out;
}

/** The offset after the last record of the fetched batches (control batches included), if any. */
export function nextOffsetAfter(batches: Array<{ firstOffset: bigint; lastOffsetDelta: number }> | undefined): bigint | undefined {
  const last = batches?.at(-1);
  return last ? last.firstOffset + BigInt(last.lastOffsetDelta) + 1n : undefined;
}

/** Header pairs as strings; a header with no key is dropped, a header with no value is ''. */
export function headersToStrings(headers: Array<[Buffer | null, Buffer | null]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (!name) continue;
    out[name.toString('utf8')] = value ? value.toString('utf8') : '';
  }
  return out;
}

/** Port headers as the Buffer map the client writes with its no-op serialisers. */
export function headersToBuffers(headers: Record<string, string> | undefined): Map<Buffer, Buffer> | undefined {
  if (!headers) return undefined;
  return new Map(Object.entries(headers).map(([name, value]) => [Buffer.from(name, 'utf8'), Buffer.from(value, 'utf8')]));
}

/**
 * The partition of a keyed record as the Java client computes it: murmur2 of the key with the
 * sign bit cleared, modulo the partition count (the client applies the modulo). The client's
 * own default keeps the sign bit (`>>> 0`), which places some keys on a different partition than
 * kafkajs and Java producers do, so keyed records of one patient could split across partitions.
 * Records without a key are spread round-robin.
 */
export function javaCompatiblePartitioner(murmur2: (key: Buffer) => number): (message: unknown, key: Buffer | undefined) => number {
  let next = 0;
  return (_message, key) => {
    if (Buffer.isBuffer(key)) return murmur2(key) & 0x7fffffff;
    next = (next + 1) & 0x7fffffff;
    return next;
  };
}

/**
 * Whether an error from @platformatic/kafka means Kafka could not be reached or did not answer
 * as expected (so callers may retry later), as opposed to a programming error (`PLT_KFK_USER`).
 */
export function isKafkaFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('PLT_KFK_') && code !== 'PLT_KFK_USER';
}

/** Whether an error (possibly aggregated) carries the Kafka protocol error `apiId`. */
export function hasProtocolError(error: unknown, apiId: string): boolean {
  const seen = new Set<unknown>();
  const visit = (e: unknown): boolean => {
    if (!e || typeof e !== 'object' || seen.has(e)) return false;
    seen.add(e);
    const candidate = e as { apiId?: unknown; errors?: unknown; cause?: unknown };
    if (candidate.apiId === apiId) return true;
    if (Array.isArray(candidate.errors) && candidate.errors.some(visit)) return true;
    return visit(candidate.cause);
  };
  return visit(error);
}
