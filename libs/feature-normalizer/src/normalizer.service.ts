import { Inject, Injectable } from '@nestjs/common';
import type { HubConfig } from '@hub/config';
import { AvroCodec, TopicNames } from '@hub/contracts';
import type { BatchContext, IncomingRecord, KafkaPort, OutgoingRecord } from '@hub/kafka';
import { knownMsgType } from '@hub/messages';
import { currentMapping, mapRawRecord } from '@hub/normalization';
import { HubLogger, HubMetrics } from '@hub/observability';
import { ConsumerService, HUB_CONFIG, KAFKA_PORT, PatternConsumerRunner, SharedProducer } from '@hub/platform';

const PARTITIONS_CONCURRENTLY = 16;

/**
 * Normalizer: consumes every kommune's raw topic, parses each message once and writes the
 * document event to the kommune's event topic. Delivery is at-least-once with deterministic
 * event ids (UUIDv5 of kommune and MsgId): a crash between producing and committing produces
 * the same events again, and every consumer deduplicates on the id (the projector upserts
 * by MsgId). A record that cannot be normalized goes to the kommune's dead-letter topic with
 * its reason and the partition moves on; only infrastructure failures (Kafka, registry) stop
 * and retry the batch.
 */
@Injectable()
export class NormalizerService extends ConsumerService {
  private readonly log = new HubLogger(NormalizerService.name);
  protected readonly runner: PatternConsumerRunner;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(KAFKA_PORT) kafka: KafkaPort,
    private readonly codec: AvroCodec,
    private readonly producer: SharedProducer,
    private readonly metrics: HubMetrics,
    private readonly topics: TopicNames,
  ) {
    super();
    this.runner = new PatternConsumerRunner(
      kafka,
      this.topics.pattern('raw'),
      {
        groupId: this.topics.normalizerGroup(),
        fromBeginning: true,
        commitToGroup: true,
        // Records need order only within their partition (one patient's messages): the batches of one
        // fetch are handled together, so their events go out in one produce request and one commit.
        partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
        handleBatch: (b) => this.handleBatch(b),
      },
      NormalizerService.name,
      undefined,
      undefined,
      // A raw topic replaced under the running normalizer (then restored) is read again from its
      // start: events have deterministic ids, so what it had already produced comes out the same.
      {},
    );
  }

  async handleBatch(batch: BatchContext): Promise<string | undefined> {
    const topic = this.topics.parse(batch.topic);
    if (!topic) return batch.records.at(-1)?.offset;
    const out: Array<{ topic: string; records: OutgoingRecord[] }> = [];
    const receivedAt: number[] = [];
    for (const record of batch.records) {
      const normalized = await this.normalize(record, topic.kommunenummer);
      out.push(normalized.batch);
      if (normalized.receivedAt !== undefined) receivedAt.push(normalized.receivedAt);
    }
    if (batch.isStale()) return undefined;
    await this.producer.sendMany(out);
    this.metrics.observePipelineDelay('normalized', receivedAt);
    return batch.records.at(-1)?.offset;
  }

  /**
   * One raw record to its event (or dead letter), by the mapping replay and redrive use too
   * (libs/normalization `mapRawRecord`). Throws only for infrastructure failures.
   */
  private async normalize(record: IncomingRecord, knr: string): Promise<{ batch: { topic: string; records: OutgoingRecord[] }; receivedAt?: number }> {
    const mapped = await mapRawRecord(this.codec, this.topics, record, knr, currentMapping, this.config.pseudonymKey);
    if (mapped.kind === 'dead-letter') {
      this.metrics.deadLetters.inc({ kommune: knr, stage: 'normalizer', error_code: mapped.errorCode });
      this.log.warn('Record sent to dead-letter topic', { topic: record.topic, partition: record.partition, offset: record.offset, errorCode: mapped.errorCode, reason: mapped.reason });
      return { batch: { topic: mapped.topic, records: [mapped.record] } };
    }
    const { envelope, document } = mapped.event;
    this.metrics.normalized.inc({ kommune: knr, outcome: envelope.eventType });
    if (envelope.eventType === 'NOT_PROJECTED') {
      this.metrics.notProjected.inc({ msg_type: knownMsgType(document.msgType) });
      this.log.info('Message kept, nothing to project', { correlationId: document.msgId, msgType: document.msgType, reason: mapped.event.notProjectedReason });
    }
    this.log.info('Event produced', { correlationId: document.msgId, eventId: envelope.eventId, eventType: envelope.eventType, topic: record.topic, partition: record.partition, offset: record.offset });
    return { batch: { topic: mapped.topic, records: [mapped.record] }, receivedAt: envelope.recordedAt };
  }
}
