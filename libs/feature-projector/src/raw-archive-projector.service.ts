import { Inject, Injectable } from '@nestjs/common';
import { AvroCodec, parseTopic, RawMessageRecord, RegistryUnavailableException, TOPICS } from '@hub/contracts';
import type { BatchContext, KafkaPort } from '@hub/kafka';
import { HubLogger, HubMetrics } from '@hub/observability';
import { ArchivedMessage, RawArchiveRepository } from '@hub/persistence';
import { ConsumerService, KAFKA_PORT, PatternConsumerRunner, projectionConsumer } from '@hub/platform';
import { originalMessageId } from '@hub/projections';

/** Projection name (consumer group suffix and metrics label) of the raw-message archive. */
export const RAW_ARCHIVE_PROJECTION = 'raw-archive';

/**
 * Projects every kommune's raw topic into `raw_message_archive`: the bytes exactly as received,
 * by kommune and MsgId, so every fact in the read API can link to its original message. Like
 * the read-model projector, rows and the next offsets commit in one transaction and the
 * consumer resumes from the stored offsets, so a crash neither loses nor doubles a message.
 * A record that is not decodable is skipped here (the normalizer dead-letters the same record).
 */
@Injectable()
export class RawArchiveProjectorService extends ConsumerService {
  private readonly log = new HubLogger(RawArchiveProjectorService.name);
  protected readonly runner: PatternConsumerRunner;

  constructor(
    @Inject(KAFKA_PORT) kafka: KafkaPort,
    private readonly codec: AvroCodec,
    private readonly metrics: HubMetrics,
    private readonly archive: RawArchiveRepository,
  ) {
    super();
    this.runner = projectionConsumer(kafka, {
      projection: RAW_ARCHIVE_PROJECTION,
      topics: TOPICS.pattern('raw'),
      storedOffsets: (topics) => this.archive.offsets(topics),
      handleBatch: (b) => this.handleBatch(b),
      name: RawArchiveProjectorService.name,
    });
  }

  async handleBatch(batch: BatchContext): Promise<string | undefined> {
    const knr = parseTopic(batch.topic)?.kommunenummer;
    const last = batch.records.at(-1)?.offset;
    if (!knr || last === undefined) return last;
    const messages: ArchivedMessage[] = [];
    for (const record of batch.records) {
      let raw: RawMessageRecord;
      try {
        raw = await this.codec.decode<RawMessageRecord>(record.value ?? Buffer.alloc(0));
      } catch (error) {
        if (error instanceof RegistryUnavailableException) throw error;
        this.log.warn('Raw record not decodable; not archived', { topic: batch.topic, partition: batch.partition, offset: record.offset });
        continue;
      }
      messages.push({
        kommunenummer: knr,
        msgId: raw.msgId,
        binaryId: originalMessageId(raw.msgId),
        hubMessageId: raw.hubMessageId,
        msgType: raw.msgType,
        patientPseudonym: raw.patientPseudonym,
        contentType: raw.contentType,
        declaredEncoding: raw.declaredEncoding,
        sha256: raw.sha256,
        sizeBytes: raw.sizeBytes,
        payload: raw.payload,
        receivedAt: new Date(raw.receivedAt),
        source: { topic: batch.topic, partition: batch.partition, offset: record.offset },
      });
    }
    await this.archive.store(messages, { topic: batch.topic, partition: batch.partition, nextOffset: (BigInt(last) + 1n).toString() });
    this.metrics.projected.inc({ projection: RAW_ARCHIVE_PROJECTION, kommune: knr }, messages.length);
    return last;
  }
}
