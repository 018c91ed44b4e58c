import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CONSUMER_GROUPS, DocumentEvent, parseTopic, TOPICS } from '@hub/contracts';
import type { BatchContext, KafkaPort } from '@hub/kafka';
import { HubLogger, HubMetrics } from '@hub/observability';
import { ProjectionStateRepository, READ_MODEL_PROJECTION, ReadModelWriteRepository } from '@hub/persistence';
import { DeadLetterWriter, KAFKA_PORT, PatternConsumerRunner, resumeFromStored } from '@hub/platform';
import { ReadModelProjector } from '@hub/projections';

/**
 * Projects every kommune's event topic into the live read-model generation. Each batch is one
 * PostgreSQL transaction holding both the rows and the next offsets, and the consumer resumes
 * from those stored offsets after any restart, so a crash at any point neither loses nor
 * doubles an event. Undecodable events go to the dead-letter topic; database or registry
 * outages stop the batch and it is retried from the stored offsets.
 */
@Injectable()
export class ReadModelProjectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new HubLogger(ReadModelProjectorService.name);
  private readonly runner: PatternConsumerRunner;
  private readonly state: ProjectionStateRepository;
  private readonly projector = new ReadModelProjector();

  constructor(
    @Inject(KAFKA_PORT) kafka: KafkaPort,
    private readonly deadLetters: DeadLetterWriter,
    private readonly metrics: HubMetrics,
    private readonly dataSource: DataSource,
  ) {
    this.state = new ProjectionStateRepository(dataSource);
    this.runner = new PatternConsumerRunner(
      kafka,
      TOPICS.pattern('events'),
      {
        groupId: CONSUMER_GROUPS.projector(READ_MODEL_PROJECTION),
        fromBeginning: true,
        commitToGroup: true,
        startOffsets: (assigned) => this.storedOffsets(assigned),
        handleBatch: (b) => this.handleBatch(b),
      },
      ReadModelProjectorService.name,
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
    const schema = await this.state.activeSchema(READ_MODEL_PROJECTION);
    return resumeFromStored(assigned, (topics) => this.state.offsets(schema, topics));
  }

  async handleBatch(batch: BatchContext): Promise<string | undefined> {
    const knr = parseTopic(batch.topic)?.kommunenummer;
    if (!knr || batch.records.length === 0) return batch.records.at(-1)?.offset;
    await this.ensureDb();
    const decoded = (await this.deadLetters.decodeBatch<DocumentEvent>(batch.records)).map((d) => ({ ...d, event: d.value }));
    const poisoned = await this.deadLetters.undecodable({ topic: batch.topic, partition: batch.partition, kommunenummer: knr }, decoded, {
      name: 'projector',
      errorCode: 'EVENT_UNDECODABLE',
      what: 'Event',
    });

    const last = batch.records.at(-1)!.offset;
    const first = BigInt(batch.records[0].offset);
    // The generation row is held FOR SHARE for the whole transaction, so a rebuild's switch
    // (FOR UPDATE) waits for this batch and the batch's rows and offsets land in one generation.
    const outcome = await this.state.transaction(async (manager) => {
      const schema = await this.state.lockActiveSchema(manager, READ_MODEL_PROJECTION);
      await this.state.lockKommune(manager, schema, knr);
      const stored = await this.state.offsetsIn(manager, schema, [batch.topic]);
      const next = BigInt(stored.find((s) => s.partition === batch.partition)?.offset ?? '0');
      // A gap means the live generation changed to one that has not applied the records before
      // this batch; applying it would skip them. The consumer restarts from the stored offsets.
      if (first > next) return { gap: true as const, schema, next };
      const tx = new ReadModelWriteRepository(manager, schema);
      for (const item of decoded) {
        // Skip what this generation already applied (a redelivery after a crash or rebalance, or
        // events a rebuilt generation applied before it became live).
        if (!item.event || BigInt(item.offset) < next) continue;
        await this.projector.apply(tx, item.event, { topic: batch.topic, partition: batch.partition, offset: item.offset });
        this.log.info('Event projected', { correlationId: item.event.envelope.correlationId, eventId: item.event.envelope.eventId, topic: batch.topic, partition: batch.partition, offset: item.offset, schema });
      }
      // Never move a generation's offset back (a rebuilt generation may be ahead of the consumer).
      if (BigInt(last) + 1n > next) await tx.saveOffset(batch.topic, batch.partition, (BigInt(last) + 1n).toString());
      return { gap: false as const, schema, next };
    });
    if (outcome.gap) {
      this.log.warn('Stored offset is behind the batch; restarting from the stored offsets', { topic: batch.topic, partition: batch.partition, schema: outcome.schema, storedNext: outcome.next.toString(), batchFirst: first.toString() });
      throw new GenerationGapException(batch.topic, batch.partition);
    }
    this.metrics.projected.inc({ projection: READ_MODEL_PROJECTION, kommune: knr }, decoded.length - poisoned);
    return last;
  }

  private async ensureDb(): Promise<void> {
    if (!this.dataSource.isInitialized) await this.dataSource.initialize();
  }
}

/** The live generation has not applied the records before a batch (it changed under the consumer). */
export class GenerationGapException extends Error {
  constructor(topic: string, partition: number) {
    super(`Read-model generation is behind the consumer on ${topic}[${partition}]; re-seeking`);
    this.name = 'GenerationGapException';
  }
}
