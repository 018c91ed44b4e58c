/**
 * Runs one batch at a time: calls made while a batch is running are queued and run together in
 * the next one, at most `maxBatch` calls and, with `weight`, at most `weight.max` of their weight
 * (a call heavier than that still runs, alone). `run` answers per input, in input order; if it
 * throws, every call of that batch rejects. For work whose fixed cost (a round trip, a
 * transaction, a request) dominates: intake's receipt lookups and inserts, the projector's
 * transactions, Kafka group commits, the shared producer's produce requests.
 */
export class Coalescer<I, O> {
  private queue: Array<{ input: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  private running = false;
  private drained: Promise<void> = Promise.resolve();

  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly maxBatch = 500,
    private readonly weight?: { of: (input: I) => number; max: number },
  ) {}

  call(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.running) this.drained = this.drain();
    });
  }

  /** Resolves once the batches running or queued now have run (and any queued meanwhile). */
  idle(): Promise<void> {
    return this.drained;
  }

  private async drain(): Promise<void> {
    // The flag, not the promise, says whether a drain runs: it is cleared in the same step as the
    // queue is found empty, before any caller woken by the last batch can queue again.
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, this.batchSize());
        try {
          const out = await this.run(group.map((g) => g.input));
          group.forEach((g, i) => g.resolve(out[i]));
        } catch (error) {
          group.forEach((g) => g.reject(error));
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** How many queued calls the next batch takes (always at least one). */
  private batchSize(): number {
    const limit = Math.min(this.maxBatch, this.queue.length);
    if (!this.weight) return limit;
    let total = 0;
    let n = 0;
    while (n < limit && (n === 0 || total + this.weight.of(this.queue[n].input) <= this.weight.max)) {
      total += this.weight.of(this.queue[n].input);
      n++;
    }
    return n;
  }
}
