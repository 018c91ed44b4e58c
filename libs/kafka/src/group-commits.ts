import { Coalescer } from '@hub/coalescing';

export type PartitionOffset = { topic: string; partition: number; offset: string };

/**
 * Group commits with one request in flight: commits asked for meanwhile (other partitions'
 * batches, when partitions are consumed concurrently) go together in the next request. Each
 * caller resolves once a request carrying its offset (or a later one of its partition) succeeded.
 * Both adapters' consumers commit through one.
 */
export class GroupCommits {
  private readonly requests: Coalescer<PartitionOffset, void>;

  constructor(send: (offsets: PartitionOffset[]) => Promise<void>) {
    this.requests = new Coalescer<PartitionOffset, void>(async (offsets) => {
      // Per partition the later commit wins (a partition's batches are handled in order).
      const latest = new Map<string, PartitionOffset>();
      for (const offset of offsets) latest.set(`${offset.topic}|${offset.partition}`, offset);
      await send([...latest.values()]);
      return offsets.map(() => undefined);
    }, Infinity);
  }

  commit(offset: PartitionOffset): Promise<void> {
    return this.requests.call(offset);
  }
}
