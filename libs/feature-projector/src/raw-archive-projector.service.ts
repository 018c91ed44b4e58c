import { Inject, Injectable } from '@nestjs/common';
import { Coalescer } from '@hub/coalescing';
import { AvroCodec, messageKey, RawMessageRecord, RegistryUnavailableException, TopicNames } from '@hub/contracts';
import type { BatchContext, KafkaPort } from '@hub/kafka';
import { HubLogger, HubMetrics } from '@hub/observability';
import { ArchivedMessage, ArchivedRawFields, ArchivePosition, RAW_ARCHIVE_OFFSETS, RawArchiveRepository } from '@hub/persistence';
import { ConsumerService, KAFKA_PORT, PatternConsumerRunner, projectionConsumer } from '@hub/platform';
import { originalMessageId } from '@hub/projections';
import { PARTITIONS_TOGETHER } from './partitions-together.constant';

/** Projection name (consumer group suffix and metrics label) of the raw-message archive. */
export const RAW_ARCHIVE_PROJECTION = RAW_ARCHIVE_OFFSETS.projection;

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
  /**
   * Partition batches that arrive while a transaction runs (the partitions of one fetch are
   * handled concurrently) wait and go together into the next one, as the read-model projector's
   * do: one transaction per fetch instead of one per partition. If it fails, every batch in it
   * failed and is read again from the stored offsets.
   */
  private readonly transactions = new Coalescer<{ messages: ArchivedMessage[]; position: ArchivePosition }, void>(async (batches) => {
    await this.archive.storeBatches(batches);
    return batches.map(() => undefined);
  });

  constructor(
    @Inject(KAFKA_PORT) kafka: KafkaPort,
    private readonly codec: AvroCodec,
    private readonly metrics: HubMetrics,
    private readonly archive: RawArchiveRepository,
    private readonly topics: TopicNames,
  ) {
    super();
    this.runner = projectionConsumer(kafka, this.topics, {
      projection: RAW_ARCHIVE_PROJECTION,
      topics: this.topics.pattern('raw'),
      storedOffsets: (topics) => this.archive.offsets(topics),
      handleBatch: (b) => this.handleBatch(b),
      // The partitions of one fetch are handed over together and share one transaction (`transactions`).
      partitionsConsumedConcurrently: PARTITIONS_TOGETHER,
      name: RawArchiveProjectorService.name,
    });
  }

  async handleBatch(batch: BatchContext): Promise<string | undefined> {
    const knr = this.topics.parse(batch.topic)?.kommunenummer;
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
        // Keyed like the read model: by message key (a non-UUID MsgId is scoped by the sender's top HER-id).
        msgId: messageKey(raw.msgId, raw.senderHerIds[0]),
        binaryId: originalMessageId(messageKey(raw.msgId, raw.senderHerIds[0])),
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
        // What a restore of the raw topic needs besides the bytes (`hendelseslager restore`).
        record: { key: record.key, headers: record.headers, fields: archivedFields(raw) },
      });
    }
    await this.transactions.call({ messages, position: { topic: batch.topic, partition: batch.partition, nextOffset: (BigInt(last) + 1n).toString(), topicId: batch.topicId } });
    this.metrics.projected.inc({ projection: RAW_ARCHIVE_PROJECTION, kommune: knr }, messages.length);
    return last;
  }
}

/** The raw record without its payload (kept in its own column) and with its time as epoch ms. */
function archivedFields(raw: RawMessageRecord): ArchivedRawFields {
  const { payload: _payload, ...fields } = raw;
  return { ...fields, receivedAt: Number(raw.receivedAt) };
}
