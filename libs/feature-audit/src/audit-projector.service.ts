import { Inject, Injectable } from '@nestjs/common';
import { AuditRecord, TopicNames } from '@hub/contracts';
import type { BatchContext, KafkaPort } from '@hub/kafka';
import { HubMetrics } from '@hub/observability';
import { AUDIT_OFFSETS, AuditLogRepository } from '@hub/persistence';
import { ConsumerService, DeadLetterWriter, KAFKA_PORT, PatternConsumerRunner, projectionConsumer } from '@hub/platform';

/** Name of the audit projection (consumer group suffix and metrics label). */
export const AUDIT_PROJECTION = AUDIT_OFFSETS.projection;

/**
 * What the audit projection's fetches wait for (up to KAFKA_FETCH_MAX_WAIT_MS, 1 s by default):
 * about 200 audit events. Every read adds one small event; answered at once, each fetch carried a
 * few and each paid a fetch round, a transaction and a group commit: about 0.6 ms of CPU per read
 * at 500 reads/s in the projector process, 0.12-0.14 ms waiting (bench/RESULTS.md, session 14).
 * The audit log then trails the reads by up to the fetch wait; the reads themselves are durable on
 * the audit topic before they are answered, and a block is written through at once.
 */
export const AUDIT_FETCH_MIN_BYTES = 64 * 1024;

/**
 * Projects every kommune's audit topic into PostgreSQL: one audit_log row per audit event and,
 * for BLOCK/UNBLOCK events, the patient's current block. Rows and the next offsets commit in
 * one transaction and the consumer resumes from the stored offsets, so nothing is lost or
 * doubled; replaying the topic from offset zero rebuilds the same rows and the same blocks.
 */
@Injectable()
export class AuditProjectorService extends ConsumerService {
  protected readonly runner: PatternConsumerRunner;

  constructor(
    @Inject(KAFKA_PORT) kafka: KafkaPort,
    private readonly deadLetters: DeadLetterWriter,
    private readonly metrics: HubMetrics,
    private readonly repository: AuditLogRepository,
    private readonly topics: TopicNames,
  ) {
    super();
    this.runner = projectionConsumer(kafka, this.topics, {
      projection: AUDIT_PROJECTION,
      topics: this.topics.pattern('audit'),
      storedOffsets: (topics) => this.repository.offsets(topics),
      handleBatch: (b) => this.handleBatch(b),
      fetchMinBytes: AUDIT_FETCH_MIN_BYTES,
      name: AuditProjectorService.name,
    });
  }

  async handleBatch(batch: BatchContext): Promise<string | undefined> {
    const knr = this.topics.parse(batch.topic)?.kommunenummer;
    if (!knr || batch.records.length === 0) return batch.records.at(-1)?.offset;
    const decoded = await this.deadLetters.decodeBatch<AuditRecord>(batch.records);
    const poisoned = await this.deadLetters.undecodable({ topic: batch.topic, partition: batch.partition, kommunenummer: knr }, decoded, {
      name: 'audit-projector',
      errorCode: 'AUDIT_UNDECODABLE',
      what: 'Audit event',
    });

    const last = batch.records.at(-1)!.offset;
    const next = BigInt((await this.repository.offsets([batch.topic])).find((s) => s.partition === batch.partition)?.offset ?? '0');
    await this.repository.transaction(async (tx) => {
      // Already applied (a redelivery after a crash or rebalance) are skipped.
      // occurredAt is timestamp-millis: a number, or a Date if a logical-type reader is ever added.
      const fresh = decoded
        .filter((item) => item.value && BigInt(item.offset) >= next)
        .map((item) => ({ row: { ...item.value!, occurredAt: Number(item.value!.occurredAt) }, position: { topic: batch.topic, partition: batch.partition, offset: item.offset } }));
      // The whole batch in one statement: every patient read adds one audit event.
      await tx.insertMany(fresh);
      for (const { row: record } of fresh) {
        if ((record.action === 'BLOCK' || record.action === 'UNBLOCK') && record.outcome === 'SUCCESS' && record.patientPseudonym) {
          await tx.applyBlock({
            kommunenummer: record.kommunenummer,
            patientPseudonym: record.patientPseudonym,
            blocked: record.action === 'BLOCK',
            changedAtMs: record.occurredAt,
            auditId: record.auditId,
            clientId: record.clientId,
          });
        }
      }
      await tx.saveOffset(batch.topic, batch.partition, (BigInt(last) + 1n).toString(), batch.topicId);
    });
    this.metrics.projected.inc({ projection: AUDIT_PROJECTION, kommune: knr }, decoded.length - poisoned);
    return last;
  }
}
