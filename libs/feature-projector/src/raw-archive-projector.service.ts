import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AvroCodec, CONSUMER_GROUPS, parseTopic, RawMessageRecord, RegistryUnavailableException, TOPICS } from '@hub/contracts';
import type { BatchContext, KafkaPort } from '@hub/kafka';
import { HubLogger, HubMetrics } from '@hub/observability';
import { ArchivedMessage, RawArchiveRepository } from '@hub/persistence';
import { KAFKA_PORT, PatternConsumerRunner, resumeFromStored } from '@hub/platform';
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
export class RawArchiveProjectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new HubLogger(RawArchiveProjectorService.name);
  private readonly runner: PatternConsumerRunner;
  private readonly archive: RawArchiveRepository;

  constructor(
    @Inject(KAFKA_PORT) kafka: KafkaPort,
    private readonly codec: AvroCodec,
    private readonly metrics: HubMetrics,
    private readonly dataSource: DataSource,
  ) {
    this.archive = new RawArchiveRepository(dataSource);
    this.runner = new PatternConsumerRunner(
      kafka,
      TOPICS.pattern('raw'),
      {
        groupId: CONSUMER_GROUPS.projector(RAW_ARCHIVE_PROJECTION),
        fromBeginning: true,
        commitToGroup: true,
        startOffsets: (assigned) => this.storedOffsets(assigned),
        handleBatch: (b) => this.handleBatch(b),
      },
      RawArchiveProjectorService.name,
    );
  }

  onApplicationBootstrap(): void {
    this.runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }

  private async storedOffsets(assigned: Array<{ topic: string; partition: number }>) {
    await this.ensureDb();
    return resumeFromStored(assigned, (topics) => this.archive.offsets(topics));
  }

  async handleBatch(batch: BatchContext): Promise<string | undefined> {
    const knr = parseTopic(batch.topic)?.kommunenummer;
    const last = batch.records.at(-1)?.offset;
    if (!knr || last === undefined) return last;
    await this.ensureDb();
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

  private async ensureDb(): Promise<void> {
    if (!this.dataSource.isInitialized) await this.dataSource.initialize();
  }
}
