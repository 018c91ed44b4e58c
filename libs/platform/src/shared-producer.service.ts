import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { KafkaPort, OutgoingRecord, ProducerPort } from '@hub/kafka';
import { KAFKA_PORT } from './platform.tokens';

/**
 * One idempotent producer per process, connected on first use and re-created after a failure,
 * so an app starts (and reports not-ready) while Kafka is down, and recovers without restart.
 */
@Injectable()
export class SharedProducer implements OnApplicationShutdown {
  private producer?: Promise<ProducerPort>;

  constructor(@Inject(KAFKA_PORT) private readonly kafka: KafkaPort) {}

  async sendMany(batches: Array<{ topic: string; records: OutgoingRecord[] }>): Promise<void> {
    const producer = await this.connected();
    try {
      await producer.sendMany(batches);
    } catch (error) {
      this.reset(producer);
      throw error;
    }
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
    const producer = await this.producer?.catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }
}
