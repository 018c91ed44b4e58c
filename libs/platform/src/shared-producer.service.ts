import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Coalescer } from '@hub/coalescing';
import type { KafkaPort, OutgoingRecord, ProducerPort } from '@hub/kafka';
import { KAFKA_PORT } from './platform.tokens';

type Batches = Array<{ topic: string; records: OutgoingRecord[] }>;
type Outcome = { failed: false } | { failed: true; error: unknown };
const OK: Outcome = { failed: false };

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
  /** Topics that have taken records from this process (they exist); see send(). */
  private readonly written = new Set<string>();
  private readonly requests = new Coalescer<Batches, Outcome>((sends) => this.send(sends), Infinity, { of: bytesOf, max: MAX_REQUEST_BYTES });

  constructor(@Inject(KAFKA_PORT) private readonly kafka: KafkaPort) {}

  async sendMany(batches: Batches): Promise<void> {
    const outcome = await this.requests.call(batches);
    if (outcome.failed) throw outcome.error;
  }

  /**
   * One produce request for the sends of one batch. If it fails and it carried more than one
   * caller, the callers are sent again so that a failure that belongs to one caller (a topic that
   * does not exist: a kommune not provisioned yet) fails only that caller and never another
   * tenant's request: first, together, every caller whose topics have taken records before; then
   * each other caller alone. The known ones go first and on their own, never beside a send to a
   * missing topic: with every caller resent at once, a CI run saw the reads of a kommune whose
   * topic exists fail beside those of one whose topic did not (kafkajs, under load; not
   * reproduced alone), and a known topic's callers need nothing from the missing one's metadata.
   * Resending is safe: records that were written are found again by their deterministic ids (raw,
   * audit), and a produce request to an unknown topic fails at the metadata step, before anything
   * is written.
   */
  private async send(sends: Batches[]): Promise<Outcome[]> {
    let producer: ProducerPort;
    try {
      producer = await this.connected();
    } catch (error) {
      return sends.map(() => ({ failed: true, error }));
    }
    const attempt = async (batches: Batches): Promise<Outcome> => {
      try {
        await producer.sendMany(batches);
        for (const b of batches) this.written.add(b.topic);
        return OK;
      } catch (error) {
        return { failed: true, error };
      }
    };
    const together = await attempt(merge(sends.flat()));
    const outcomes = together.failed && sends.length > 1 ? await this.resendApart(sends, attempt) : sends.map(() => together);
    // A producer none of whose sends got through is re-created for the next batch (the connection
    // may be broken); one that failed a single caller (an unknown topic) is kept.
    if (outcomes.every((o) => o.failed)) this.reset(producer);
    return outcomes;
  }

  private async resendApart(sends: Batches[], attempt: (batches: Batches) => Promise<Outcome>): Promise<Outcome[]> {
    const outcomes: Array<Outcome | undefined> = sends.map(() => undefined);
    const known = sends.flatMap((batches, i) => (batches.every((b) => this.written.has(b.topic)) ? [i] : []));
    if (known.length > 0 && known.length < sends.length) {
      const outcome = await attempt(merge(known.flatMap((i) => sends[i])));
      if (!outcome.failed) for (const i of known) outcomes[i] = outcome;
    }
    await Promise.all(outcomes.map(async (done, i) => (outcomes[i] = done ?? (await attempt(merge(sends[i]))))));
    return outcomes as Outcome[];
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
