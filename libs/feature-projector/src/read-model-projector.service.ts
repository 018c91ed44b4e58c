import { HubException } from '@hub/exceptions';
import { Inject, Injectable } from '@nestjs/common';
import { DocumentEvent, TopicNames } from '@hub/contracts';
import { storedOffsetOf, type BatchContext, type KafkaPort } from '@hub/kafka';
import { HubLogger, HubMetrics } from '@hub/observability';
import { Coalescer } from '@hub/coalescing';
import { ProjectionStateRepository, READ_MODEL_PROJECTION, ReadModelWriteRepository } from '@hub/persistence';
import { ConsumerService, DeadLetterWriter, DecodedRecord, KAFKA_PORT, PatternConsumerRunner, projectionConsumer } from '@hub/platform';
import { ReadModelProjector } from '@hub/projections';
import { PARTITIONS_TOGETHER } from './partitions-together.constant';

/**
 * Projects every kommune's event topic into the live read-model generation. Each batch (the
 * partition batches of one fetch together) is one PostgreSQL transaction holding both the rows
 * and the next offsets, and the consumer resumes from those stored offsets after any restart,
 * so a crash at any point neither loses nor doubles an event. Undecodable events go to the
 * dead-letter topic; database or registry outages stop the batch and it is retried from the
 * stored offsets.
 */
@Injectable()
export class ReadModelProjectorService extends ConsumerService {
  private readonly log = new HubLogger(ReadModelProjectorService.name);
  protected readonly runner: PatternConsumerRunner;
  private readonly projector = new ReadModelProjector();
  /**
   * Partition batches that arrive while a transaction runs (the partitions of one fetch are
   * handled concurrently) wait and then go together into the next one: a transaction's fixed
   * cost (locks, offsets, prefetch, flush) is paid per fetch, not per partition. If it fails, it
   * rolled back and every batch in it is retried from the stored offsets.
   */
  private readonly transactions = new Coalescer<PartitionBatch, BatchOutcome>((jobs) => this.applyTogether(jobs));

  constructor(
    @Inject(KAFKA_PORT) kafka: KafkaPort,
    private readonly deadLetters: DeadLetterWriter,
    private readonly metrics: HubMetrics,
    private readonly state: ProjectionStateRepository,
    private readonly topics: TopicNames,
  ) {
    super();
    this.runner = projectionConsumer(kafka, this.topics, {
      projection: READ_MODEL_PROJECTION,
      topics: this.topics.pattern('events'),
      // Resumes in the live generation, where this projector's offsets are stored with its rows.
      storedOffsets: async (topics) => this.state.offsets(await this.state.activeSchema(READ_MODEL_PROJECTION), topics),
      handleBatch: (b) => this.handleBatch(b),
      // The partitions of one fetch are handed over together and share one transaction (`transactions`).
      partitionsConsumedConcurrently: PARTITIONS_TOGETHER,
      name: ReadModelProjectorService.name,
    });
  }

  async handleBatch(batch: BatchContext): Promise<string | undefined> {
    const knr = this.topics.parse(batch.topic)?.kommunenummer;
    if (!knr || batch.records.length === 0) return batch.records.at(-1)?.offset;
    const decoded = await this.deadLetters.decodeBatch<DocumentEvent>(batch.records);
    const poisoned = await this.deadLetters.undecodable({ topic: batch.topic, partition: batch.partition, kommunenummer: knr }, decoded, {
      name: 'projector',
      errorCode: 'EVENT_UNDECODABLE',
      what: 'Event',
    });
    const job: PartitionBatch = { topic: batch.topic, topicId: batch.topicId, partition: batch.partition, knr, first: BigInt(batch.records[0].offset), last: batch.records.at(-1)!.offset, items: decoded };
    const outcome = await this.transactions.call(job);
    if (outcome.gap) {
      this.log.warn('Stored offset is behind the batch; restarting from the stored offsets', { topic: batch.topic, partition: batch.partition, schema: outcome.schema, storedNext: outcome.next.toString(), batchFirst: job.first.toString() });
      throw new GenerationGapException(batch.topic, batch.partition);
    }
    // One line per event once committed, so a message can be followed by its correlation id
    // through the intake, normalizer and projector logs.
    for (const item of outcome.projected) {
      this.log.info('Event projected', { correlationId: item.event.envelope.correlationId, eventId: item.event.envelope.eventId, topic: batch.topic, partition: batch.partition, offset: item.offset, schema: outcome.schema });
    }
    this.metrics.projected.inc({ projection: READ_MODEL_PROJECTION, kommune: knr }, decoded.length - poisoned);
    this.metrics.observePipelineDelay('projected', outcome.projected.map((item) => item.event.envelope.recordedAt));
    return job.last;
  }

  /** One transaction for the given partition batches: their rows and next offsets commit together. */
  private async applyTogether(jobs: PartitionBatch[]): Promise<BatchOutcome[]> {
    // The generation row is held FOR SHARE for the whole transaction, so a rebuild's switch
    // (FOR UPDATE) waits for this batch and the batch's rows and offsets land in one generation.
    return this.state.batchTransaction(READ_MODEL_PROJECTION, async (manager, schema) => {
      // In one statement, always in the same order, so projector instances sharing kommuner cannot deadlock.
      await this.state.lockKommuner(manager, schema, jobs.map((j) => j.knr));
      const stored = await this.state.offsetsIn(manager, schema, [...new Set(jobs.map((j) => j.topic))]);
      const tx = new ReadModelWriteRepository(manager, schema);
      const outcomes: BatchOutcome[] = jobs.map((job) => {
        const next = BigInt(storedOffsetOf(stored, job.topic, job.partition));
        // A gap means the live generation changed to one that has not applied the records before
        // this batch; applying it would skip them. The consumer restarts from the stored offsets.
        if (job.first > next) return { gap: true, schema, next, projected: [] };
        // Skip what this generation already applied (a redelivery after a crash or rebalance, or
        // events a rebuilt generation applied before it became live).
        return { gap: false, schema, next, projected: job.items.flatMap((item) => (item.value && BigInt(item.offset) >= next ? [{ offset: item.offset, event: item.value }] : [])) };
      });
      await this.projector.applyBatches(
        tx,
        jobs.flatMap((job, i) => (outcomes[i].gap ? [] : [{ topic: job.topic, topicId: job.topicId, partition: job.partition, storedNext: outcomes[i].next, last: job.last, events: outcomes[i].projected }])),
      );
      await tx.flush();
      return outcomes;
    });
  }
}


interface PartitionBatch {
  topic: string;
  topicId?: string;
  partition: number;
  knr: string;
  first: bigint;
  last: string;
  items: Array<DecodedRecord<DocumentEvent>>;
}

interface BatchOutcome {
  gap: boolean;
  schema: string;
  next: bigint;
  /** The events this generation had not applied yet, in offset order. */
  projected: Array<{ offset: string; event: DocumentEvent }>;
}

/** The live generation has not applied the records before a batch (it changed under the consumer). */
export enum ProjectorExceptionCode {
  GENERATION_GAP = 'PROJECTOR.GENERATION_GAP',
}

export class GenerationGapException extends HubException<ProjectorExceptionCode> {
  constructor(topic: string, partition: number) {
    super(ProjectorExceptionCode.GENERATION_GAP, `Read-model generation is behind the consumer on ${topic}[${partition}]; re-seeking`, { metadata: { topic, partition } });
  }
}
