import { Coalescer } from '@hub/coalescing';

export type PartitionOffset = { topic: string; partition: number; offset: string };

/**
 * How a consumer whose position is kept elsewhere (a projection stores its offsets in PostgreSQL
 * with its rows) commits to its Kafka group: at most every `intervalMs`, the latest offset of
 * each partition, without the batch waiting for it. Such group offsets serve only Kafka's own
 * lag tools, so a second's delay costs nothing, while a commit per batch was the broker's most
 * frequent request from the projector (0.55 per message) and a round trip in every batch.
 */
export interface BackgroundCommits {
  intervalMs: number;
  /** A background commit failed (a rebalance, the broker away): the next one carries the offsets on. */
  failed: (error: unknown) => void;
}

/** How long a stopping consumer waits for its held background commits (GroupCommits.flushWithin). */
export const STOP_COMMIT_WAIT_MS = 3000;

/**
 * Group commits with one request in flight: commits asked for meanwhile (other partitions'
 * batches, when partitions are consumed concurrently) go together in the next request. Each
 * caller resolves once a request carrying its offset (or a later one of its partition) succeeded.
 * Both adapters' consumers commit through one.
 *
 * With `background`, `commit` only notes the offset and resolves at once; the offsets noted are
 * sent together `intervalMs` after the first of them, by `flush` when the consumer stops, and
 * dropped by `discard` when the group rebalances (the partitions may be another member's now, and
 * an older offset sent for one would move that member's commit back).
 */
export class GroupCommits {
  private readonly requests: Coalescer<PartitionOffset[], void>;
  private readonly held = new Map<string, PartitionOffset>();
  private timer?: NodeJS.Timeout;

  constructor(send: (offsets: PartitionOffset[]) => Promise<void>, private readonly background?: BackgroundCommits) {
    this.requests = new Coalescer<PartitionOffset[], void>(async (lists) => {
      // Per partition the later commit wins (a partition's batches are handled in order).
      const latest = new Map<string, PartitionOffset>();
      for (const offset of lists.flat()) latest.set(key(offset), offset);
      if (latest.size > 0) await send([...latest.values()]);
      return lists.map(() => undefined);
    }, Infinity);
  }

  commit(offset: PartitionOffset): Promise<void> {
    if (!this.background) return this.requests.call([offset]);
    this.held.set(key(offset), offset);
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush().catch(this.background!.failed);
      }, this.background.intervalMs);
      this.timer.unref();
    }
    return Promise.resolve();
  }

  /** Sends the offsets held for the background commit now, in one request (a stop); resolves once committed. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const offsets = [...this.held.values()];
    this.held.clear();
    return offsets.length === 0 ? Promise.resolve() : this.requests.call(offsets);
  }

  /**
   * `flush` for a consumer that is stopping: waits at most `ms` and never rejects. The offsets
   * only feed lag tools, and a stop must not hang on a broker that is away (the client's own
   * retries could take tens of seconds); `failed` hears why they were not committed.
   */
  async flushWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.background?.failed(new Error(`group commit on stop took longer than ${ms} ms`));
        resolve();
      }, ms);
      timer.unref();
    });
    try {
      await Promise.race([this.flush().catch((error) => this.background?.failed(error)), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drops the offsets held for the background commit (a rebalance). */
  discard(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.held.clear();
  }
}

function key(offset: PartitionOffset): string {
  return `${offset.topic}|${offset.partition}`;
}
