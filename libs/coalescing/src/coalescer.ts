/**
 * Runs one batch at a time: calls made while a batch is running are queued and run together in
 * the next one (at most `maxBatch`). `run` answers per input, in input order; if it throws, every
 * call of that batch rejects. For work whose fixed cost (a round trip, a transaction) dominates:
 * intake's receipt lookups and inserts, the projector's transactions, Kafka group commits.
 */
export class Coalescer<I, O> {
  private queue: Array<{ input: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  private running = false;

  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly maxBatch = 500,
  ) {}

  call(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, this.maxBatch);
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
}
