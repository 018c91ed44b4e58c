import type { TopicPartitionOffset } from './kafka.port';

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
