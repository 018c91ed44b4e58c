import type { AdminPort, TopicPartitionOffset } from './kafka.port';

/**
 * Consumers that keep their own next offsets (the projections store them with their rows) read
 * them through these two, so "no stored offset" means the same everywhere: the partition's start.
 */

/** The stored next offset of a partition, or '0' (its start) when none is stored. */
export function storedOffsetOf(stored: TopicPartitionOffset[], topic: string, partition: number): string {
  return stored.find((s) => s.topic === topic && s.partition === partition)?.offset ?? '0';
}

/**
 * Start offsets (`ConsumerOptions.startOffsets`) for such a consumer: each assigned partition
 * resumes at its stored offset, loading each topic's offsets once.
 */
export async function resumeFromStored(
  assigned: Array<{ topic: string; partition: number }>,
  load: (topics: string[]) => Promise<TopicPartitionOffset[]>,
): Promise<TopicPartitionOffset[]> {
  const stored = await load([...new Set(assigned.map((a) => a.topic))]);
  return assigned.map((a) => ({ ...a, offset: storedOffsetOf(stored, a.topic, a.partition) }));
}

/**
 * Why a stored offset cannot be resumed from:
 * - `topic-replaced`: it was stored for another topic of the same name (its id differs): the
 *   topic was deleted and created again, or the cluster replaced by an empty one;
 * - `beyond-log-end`: it lies past the partition's log end, so records it counts as read are
 *   not there (a replaced cluster, or an unclean leader election that lost them).
 * Resuming there anyway would have kafkajs reset the position silently and the projection
 * skip or miss records; such a kommune is halted until an operator rebuilds or restores it.
 */
export type StoredOffsetProblem = 'topic-replaced' | 'beyond-log-end';

/** What a projection finds when it resumes one partition from its stored offset. */
export interface StoredOffsetCheck extends TopicPartitionOffset {
  /** Where to resume: the stored offset, or 0 with none stored (meaningless with a problem). */
  offset: string;
  /** The topic's current id: stored with the offsets written from here on. */
  topicId: string;
  problem?: StoredOffsetProblem;
  /** The stored offset and id, when a problem was found (for the operator). */
  stored?: { offset: string; topicId: string | null };
}

/** A topic as the cluster has it now: its id and each partition's log end offset. */
export interface CurrentTopic {
  topicId: string;
  ends: TopicPartitionOffset[];
}

/**
 * Checks stored next offsets against the topics as they are now, per assigned partition. A
 * stored offset without a topic id (stored before ids were kept) is taken as belonging to the
 * current topic when it fits its log, and is stamped with its id from then on.
 */
export function checkStoredOffsets(
  assigned: Array<{ topic: string; partition: number }>,
  stored: TopicPartitionOffset[],
  current: Map<string, CurrentTopic>,
): StoredOffsetCheck[] {
  return assigned.map(({ topic, partition }) => {
    const now = current.get(topic);
    if (!now) throw new Error(`Topic ${topic} is not in the cluster's metadata; cannot check its stored offsets`);
    const row = stored.find((s) => s.topic === topic && s.partition === partition);
    const base = { topic, partition, topicId: now.topicId };
    if (!row) return { ...base, offset: '0' };
    const storedAs = { offset: row.offset, topicId: row.topicId ?? null };
    if (row.topicId && row.topicId !== now.topicId) return { ...base, offset: row.offset, problem: 'topic-replaced', stored: storedAs };
    const end = now.ends.find((e) => e.partition === partition)?.offset ?? '0';
    if (BigInt(row.offset) > BigInt(end)) return { ...base, offset: row.offset, problem: 'beyond-log-end', stored: storedAs };
    return { ...base, offset: row.offset };
  });
}

/** The current id and log end offsets of each named topic that exists, in one admin round. */
export async function currentTopics(admin: AdminPort, topics: string[]): Promise<Map<string, CurrentTopic>> {
  const ids = await admin.topicIds([...new Set(topics)]);
  // All the topics' end offsets in one round (a projection checks every kommune's topic at once).
  const ends = offsetsByTopic(await admin.endOffsetsOf([...ids.keys()]));
  const out = new Map<string, CurrentTopic>();
  for (const [topic, topicId] of ids) out.set(topic, { topicId, ends: ends.get(topic) ?? [] });
  return out;
}

/** Offsets of several topics (as `AdminPort.endOffsetsOf` answers) grouped by topic, in their order. */
export function offsetsByTopic<T extends TopicPartitionOffset>(offsets: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const o of offsets) {
    const list = out.get(o.topic);
    if (list) list.push(o);
    else out.set(o.topic, [o]);
  }
  return out;
}
