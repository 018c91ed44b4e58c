import { Inject, Injectable } from '@nestjs/common';
import type { HubConfig } from '@hub/config';
import {
  AvroCodec,
  CONSUMER_GROUPS,
  DeadLetterRecord,
  parseTopic,
  RawMessageRecord,
  RegistryUnavailableException,
  TOPICS,
  uuidV5,
} from '@hub/contracts';
import type { BatchContext, IncomingRecord, KafkaPort, OutgoingRecord } from '@hub/kafka';
import { knownMsgType, MessageException, parseMessage } from '@hub/messages';
import { toDocumentEvent } from '@hub/normalization';
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
  ) {
    super();
    this.runner = new PatternConsumerRunner(
      kafka,
      TOPICS.pattern('raw'),
      {
        groupId: CONSUMER_GROUPS.normalizer(),
        fromBeginning: true,
        commitToGroup: true,
        // Records need order only within their partition (one patient's messages): the batches of one
        // fetch are handled together, so their events go out in one produce request and one commit.
        partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
        handleBatch: (b) => this.handleBatch(b),
      },
      NormalizerService.name,
    );
  }

  async handleBatch(batch: BatchContext): Promise<string | undefined> {
    const topic = parseTopic(batch.topic);
    if (!topic) return batch.records.at(-1)?.offset;
    const out: Array<{ topic: string; records: OutgoingRecord[] }> = [];
    for (const record of batch.records) {
      out.push(await this.normalize(record, topic.kommunenummer));
    }
    if (batch.isStale()) return undefined;
    await this.producer.sendMany(out);
    return batch.records.at(-1)?.offset;
  }

  /** One raw record to its event (or dead letter). Throws only for infrastructure failures. */
  private async normalize(record: IncomingRecord, knr: string): Promise<{ topic: string; records: OutgoingRecord[] }> {
    let raw: RawMessageRecord;
    try {
      if (!record.value) throw new Error('empty record value');
      raw = await this.codec.decode<RawMessageRecord>(record.value);
    } catch (error) {
      if (error instanceof RegistryUnavailableException) throw error;
      return this.deadLetter(record, knr, 'RAW_UNDECODABLE', `Raw record is not a decodable Avro value: ${errorText(error)}`);
    }
    try {
      const parsed = parseMessage(raw.payload);
      const event = toDocumentEvent(parsed, raw, this.config.pseudonymKey);
      const eventsTopic = TOPICS.events(knr);
      const value = await this.codec.encode(eventsTopic, event);
      this.metrics.normalized.inc({ kommune: knr, outcome: event.envelope.eventType });
      if (event.envelope.eventType === 'NOT_PROJECTED') {
        this.metrics.notProjected.inc({ msg_type: knownMsgType(parsed.msgType) });
        this.log.info('Message kept, nothing to project', { correlationId: parsed.msgId, msgType: parsed.msgType, reason: event.notProjectedReason });
      }
      this.log.info('Event produced', { correlationId: parsed.msgId, eventId: event.envelope.eventId, eventType: event.envelope.eventType, topic: record.topic, partition: record.partition, offset: record.offset });
      return {
        topic: eventsTopic,
        records: [
          {
            key: event.envelope.patientPseudonym ?? `msg:${parsed.msgId}`,
            value,
            headers: {
              'hub-event-id': event.envelope.eventId,
              'hub-event-type': event.envelope.eventType,
              'hub-correlation-id': event.envelope.correlationId,
              'hub-causation-id': event.envelope.causationId,
            },
          },
        ],
      };
    } catch (error) {
      if (error instanceof RegistryUnavailableException) throw error;
      const code = error instanceof MessageException ? error.code : 'MAPPING_FAILED';
      return this.deadLetter(record, knr, code, error instanceof MessageException ? error.message : `Mapping failed: ${errorText(error)}`);
    }
  }

  private async deadLetter(record: IncomingRecord, knr: string, errorCode: string, reason: string): Promise<{ topic: string; records: OutgoingRecord[] }> {
    const topic = TOPICS.deadletter(knr);
    const letter: DeadLetterRecord = {
      deadLetterId: uuidV5(`${record.topic}|${record.partition}|${record.offset}|dead-letter`),
      kommunenummer: knr,
      sourceTopic: record.topic,
      sourcePartition: record.partition,
      sourceOffset: record.offset,
      errorCode,
      reason,
      failedAt: Number(record.timestamp) || 0,
      stage: 'normalizer',
      originalKey: record.key,
      originalValue: record.value ?? Buffer.alloc(0),
    };
    this.metrics.deadLetters.inc({ kommune: knr, stage: 'normalizer', error_code: errorCode });
    this.log.warn('Record sent to dead-letter topic', { topic: record.topic, partition: record.partition, offset: record.offset, errorCode, reason });
    return { topic, records: [{ key: record.key, value: await this.codec.encode(topic, letter), headers: { 'hub-error-code': errorCode } }] };
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
