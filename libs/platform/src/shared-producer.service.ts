import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { KafkaPort, OutgoingRecord, ProducerPort } from '@hub/kafka';
import { KAFKA_PORT } from './platform.tokens';

type Batches = Array<{ topic: string; records: OutgoingRecord[] }>;

interface Pending {
  batches: Batches;
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Upper bound of one produce request the batcher builds (well under the broker's request limit). */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

/**
 * One idempotent producer per process, connected on first use and re-created after a failure,
 * so an app starts (and reports not-ready) while Kafka is down and recovers without restart.
 *
 * Sends are batched naturally: an idempotent producer has one request in flight at a time, so
 * callers that arrive while a request is in flight are sent together in the next one. At low
 * load that adds no delay; under load it turns many small round trips into few large ones.
 * Every caller's promise resolves only when its own records are acknowledged (acks=all).
 */
@Injectable()
export class SharedProducer implements OnApplicationShutdown {
  private producer?: Promise<ProducerPort>;
  private queue: Pending[] = [];
  private flushing = false;

  constructor(@Inject(KAFKA_PORT) private readonly kafka: KafkaPort) {}

  sendMany(batches: Batches): Promise<void> {
    const bytes = batches.reduce((sum, b) => sum + b.records.reduce((s, r) => s + r.value.length, 0), 0);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ batches, bytes, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const group = this.takeGroup();
        try {
          const producer = await this.connected();
          try {
            await producer.sendMany(merge(group.flatMap((p) => p.batches)));
          } catch (error) {
            this.reset(producer);
            throw error;
          }
          group.forEach((p) => p.resolve());
        } catch (error) {
          group.forEach((p) => p.reject(error));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Takes queued sends up to the request size bound (always at least one). */
  private takeGroup(): Pending[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && (n === 0 || bytes + this.queue[n].bytes <= MAX_REQUEST_BYTES)) {
      bytes += this.queue[n].bytes;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private connected(): Promise<ProducerPort> {
    if (!this.producer) {
      this.producer = this.kafka.producer();
      this.producer.catch(() => (this.producer = undefined));
    }
    return this.producer;
  }

  private reset(producer: ProducerPort): void {
    this.producer = undefined;
    void producer.disconnect().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    while (this.flushing) await new Promise((r) => setTimeout(r, 10));
    const producer = await this.producer?.catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }
}

/** Joins the records of the same topic, keeping each caller's records in order. */
function merge(batches: Batches): Batches {
  const byTopic = new Map<string, OutgoingRecord[]>();
  for (const b of batches) {
    if (!byTopic.has(b.topic)) byTopic.set(b.topic, []);
    byTopic.get(b.topic)!.push(...b.records);
  }
  return [...byTopic.entries()].map(([topic, records]) => ({ topic, records }));
}
