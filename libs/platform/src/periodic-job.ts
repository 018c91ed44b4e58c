/**
 * Background work a process repeats on a timer (topic provisioning, lag measurement): at most
 * one run at a time (a call while one runs joins it), timers that never keep the process
 * alive, and a stop that waits for the run in flight. Without that wait, a process stopped
 * mid-run left a Kafka admin working after its own shutdown (kafkajs keeps retrying after its
 * client is told to disconnect).
 */
export class PeriodicJob {
  private timers: NodeJS.Timeout[] = [];
  private running?: Promise<void>;

  constructor(private readonly work: () => Promise<void>) {}

  /** Runs every `everyMs`, and first after `firstAfterMs` (at once when 0). */
  start(everyMs: number, firstAfterMs = everyMs): void {
    const every = setInterval(() => void this.run(), everyMs);
    every.unref();
    this.timers.push(every);
    if (firstAfterMs === 0) void this.run();
    else if (firstAfterMs < everyMs) {
      const first = setTimeout(() => void this.run(), firstAfterMs);
      first.unref();
      this.timers.push(first);
    }
  }

  /** One run now, or the one already running. */
  run(): Promise<void> {
    this.running ??= this.work().finally(() => (this.running = undefined));
    return this.running;
  }

  /** No new runs; resolves once the run in flight (if any) has finished, however it ended. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    await this.running?.catch(() => undefined);
  }
}
