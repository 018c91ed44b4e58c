import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Coalescer } from '@hub/coalescing';
import type { KafkaPort, OutgoingRecord, ProducerPort } from '@hub/kafka';
import { KAFKA_PORT } from './platform.tokens';

type Batches = Array<{ topic: string; records: OutgoingRecord[] }>;

/** Upper bound of one produce request the batcher builds (well under the broker's request limit). */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

/**
 * One idempotent producer per process, connected on first use and re-created after a failure,
 * so an app starts (and reports not-ready) while Kafka is down and recovers without restart.
 *
 * Sends are batched naturally: an idempotent producer has one request in flight at a time, so
 * callers that arrive while a request is in flight are sent together in the next one (a
 * Coalescer, bounded by request size). At low load that adds no delay; under load it turns many
 * small round trips into few large ones. Every caller's promise resolves only when its own
 * records are acknowledged (acks=all).
 */
@Injectable()
export class SharedProducer implements OnApplicationShutdown {
  private producer?: Promise<ProducerPort>;
  private readonly requests = new Coalescer<Batches, void>((sends) => this.send(sends), Infinity, { of: bytesOf, max: MAX_REQUEST_BYTES });

  constructor(@Inject(KAFKA_PORT) private readonly kafka: KafkaPort) {}

  sendMany(batches: Batches): Promise<void> {
    return this.requests.call(batches);
  }

  /** One produce request for the sends of one batch; every one of them fails if it fails. */
  private async send(sends: Batches[]): Promise<void[]> {
    const producer = await this.connected();
    try {
      await producer.sendMany(merge(sends.flat()));
    } catch (error) {
      this.reset(producer);
      throw error;
    }
    return sends.map(() => undefined);
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
    await this.requests.idle();
    const producer = await this.producer?.catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }
}

function bytesOf(batches: Batches): number {
  return batches.reduce((sum, b) => sum + b.records.reduce((s, r) => s + r.value.length, 0), 0);
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
