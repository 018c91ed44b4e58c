import { randomUUID } from 'node:crypto';
import type { AdminPort, IncomingRecord, KafkaPort } from '@hub/kafka';
import { OpsException, OpsExceptionCode } from './ops.exception';

export interface PartitionRange {
  topic: string;
  partition: number;
  /** First offset to read. */
  start: string;
  /** Offset after the last one to read (the end offset captured when the work started). */
  end: string;
}

export interface RangeBatch {
  topic: string;
  partition: number;
  records: IncomingRecord[];
}

/**
 * Reads fixed offset ranges of some topics once, with a throwaway consumer group that commits
 * nothing and is deleted afterwards (the hub's own groups are never touched). Resolves with
 * completed=false when aborted; a batch being handled is always finished first, so callers can
 * store their progress after each batch and resume from it.
 */
export async function readTopicRanges(
  kafka: KafkaPort,
  /** The throwaway group's name (TopicNames.opsGroup), to which a random suffix is added. */
  group: string,
  ranges: PartitionRange[],
  onBatch: (batch: RangeBatch) => Promise<void>,
  signal?: AbortSignal,
): Promise<{ completed: boolean }> {
  const open = new Map(ranges.filter((r) => BigInt(r.start) < BigInt(r.end)).map((r) => [`${r.topic}|${r.partition}`, r]));
  if (open.size === 0) return { completed: true };
  if (signal?.aborted) return { completed: false };
  const position = new Map([...open].map(([k, r]) => [k, BigInt(r.start)]));
  let finish!: (completed: boolean) => void;
  let fail!: (error: unknown) => void;
  const finished = new Promise<boolean>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const onAbort = () => finish(false);
  signal?.addEventListener('abort', onAbort, { once: true });
  const groupId = `${group}.${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    topics: [...new Set([...open.values()].map((r) => r.topic))],
    fromBeginning: true,
    commitToGroup: false,
    startOffsets: async (assigned) =>
      assigned.map((a) => ({ ...a, offset: open.get(`${a.topic}|${a.partition}`)?.start ?? ranges.find((r) => r.topic === a.topic && r.partition === a.partition)?.end ?? '0' })),
    handleBatch: async (batch) => {
      const key = `${batch.topic}|${batch.partition}`;
      const range = open.get(key);
      if (!range || signal?.aborted) return batch.records.at(-1)?.offset;
      const from = position.get(key)!;
      const end = BigInt(range.end);
      // The seek to the start may land after the first fetch, so records outside the range are dropped here.
      const records = batch.records.filter((r) => BigInt(r.offset) >= from && BigInt(r.offset) < end);
      try {
        if (records.length > 0) await onBatch({ topic: batch.topic, partition: batch.partition, records });
      } catch (error) {
        fail(error);
        return undefined;
      }
      const last = records.at(-1);
      if (last) position.set(key, BigInt(last.offset) + 1n);
      if (position.get(key)! >= end) {
        open.delete(key);
        if (open.size === 0) finish(true);
      }
      return batch.records.at(-1)?.offset;
    },
  });
  try {
    await consumer.start();
    return { completed: await finished };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await consumer.stop().catch(() => undefined);
    const admin = await kafka.admin().catch(() => undefined);
    await admin?.deleteGroup(groupId).catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
  }
}

/** Refuses a kommune topic that does not exist (NOT_FOUND: the kommune is not onboarded). */
export async function requireTopic(admin: AdminPort, topic: string): Promise<void> {
  if (!(await admin.listTopics()).includes(topic)) throw new OpsException(OpsExceptionCode.NOT_FOUND, `Topic ${topic} does not exist (is the kommune onboarded?)`);
}

/** Partition ranges from `start` offsets (per partition) to the current end offsets of an existing topic. */
export async function rangesToEnd(kafka: KafkaPort, topic: string, start: (partition: number, end: string) => string): Promise<PartitionRange[]> {
  const admin = await kafka.admin();
  try {
    await requireTopic(admin, topic);
    const ends = await admin.endOffsetsOf([topic]);
    return ends.map((e) => ({ topic, partition: e.partition, start: start(e.partition, e.offset), end: e.offset })).sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}
