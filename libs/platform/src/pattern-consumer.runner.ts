import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CONSUMER_GROUPS } from '@hub/contracts';
import { resumeFromStored, type BatchContext, type ConsumerOptions, type ConsumerPort, type KafkaPort, type TopicPartitionOffset } from '@hub/kafka';
import { HubLogger } from '@hub/observability';

/** Consumer groups running in this process and their topics (read by the LagMonitor). */
export const runningConsumerGroups = new Map<string, { topics: string[]; observeBatch?: (seconds: number) => void }>();

/**
 * The consumer of a projection that commits its next offsets with its rows, in one PostgreSQL
 * transaction: every kommune's topics of one kind, each assigned partition resumed at the offset
 * the projection stored (from the beginning when it has none), so a crash neither loses nor
 * doubles a record. The group's own commits only feed the lag metric.
 */
export function projectionConsumer(
  kafka: KafkaPort,
  spec: {
    /** The projection's name: its consumer group is the projector group of this name. */
    projection: string;
    topics: RegExp;
    /** The stored next offsets of these topics' partitions (the repository connects itself). */
    storedOffsets: (topics: string[]) => Promise<TopicPartitionOffset[]>;
    handleBatch: (batch: BatchContext) => Promise<string | undefined>;
    partitionsConsumedConcurrently?: number;
    /** Logger context. */
    name: string;
  },
): PatternConsumerRunner {
  return new PatternConsumerRunner(
    kafka,
    spec.topics,
    {
      groupId: CONSUMER_GROUPS.projector(spec.projection),
      fromBeginning: true,
      commitToGroup: true,
      partitionsConsumedConcurrently: spec.partitionsConsumedConcurrently,
      startOffsets: (assigned) => resumeFromStored(assigned, spec.storedOffsets),
      handleBatch: spec.handleBatch,
    },
    spec.name,
  );
}

/**
 * A service whose work is one consumer: it starts with the application and stops on shutdown,
 * finishing the batch in hand, before the producer and the pool close.
 */
export abstract class ConsumerService implements OnApplicationBootstrap, OnApplicationShutdown {
  protected abstract readonly runner: PatternConsumerRunner;

  onApplicationBootstrap(): void {
    this.runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }
}

/**
 * Runs a consumer over every topic matching a pattern, restarting it when a new matching topic
 * appears (a kommune was onboarded) and, with backoff, when it fails (Kafka, the registry or
 * PostgreSQL down). kafkajs resolves a pattern only when subscribing, hence the restarts.
 */
export class PatternConsumerRunner {
  private readonly log: HubLogger;
  private consumer?: ConsumerPort;
  private subscribed = new Set<string>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private restarting?: Promise<void>;
  private failures = 0;
  private restartScheduled = false;

  constructor(
    private readonly kafka: KafkaPort,
    private readonly pattern: RegExp,
    private readonly options: Omit<ConsumerOptions, 'topics'>,
    name: string,
    private readonly pollMs = 3000,
  ) {
    this.log = new HubLogger(name);
  }

  start(): void {
    this.stopped = false;
    void this.restart('start');
    this.timer = setInterval(() => void this.checkTopics(), this.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    runningConsumerGroups.delete(this.options.groupId);
    if (this.timer) clearInterval(this.timer);
    await this.restarting?.catch(() => undefined);
    await this.consumer?.stop().catch(() => undefined);
    this.consumer = undefined;
  }

  private async matchingTopics(): Promise<string[]> {
    const admin = await this.kafka.admin();
    try {
      return (await admin.listTopics()).filter((t) => this.pattern.test(t)).sort();
    } finally {
      await admin.disconnect();
    }
  }

  private async checkTopics(): Promise<void> {
    if (this.stopped || this.restarting) return;
    try {
      const topics = await this.matchingTopics();
      if (topics.some((t) => !this.subscribed.has(t)) || (!this.consumer && topics.length > 0)) await this.restart('new topics');
    } catch {
      // Kafka unreachable: the next poll tries again.
    }
  }

  private restart(reason: string): Promise<void> {
    if (!this.restarting) {
      this.restarting = this.doRestart(reason).finally(() => (this.restarting = undefined));
    }
    return this.restarting;
  }

  private async doRestart(reason: string): Promise<void> {
    await this.consumer?.stop().catch(() => undefined);
    this.consumer = undefined;
    if (this.stopped) return;
    try {
      const topics = await this.matchingTopics();
      if (topics.length === 0) return;
      const consumer = this.kafka.consumer({
        ...this.options,
        topics,
        handleBatch: async (batch) => {
          const started = process.hrtime.bigint();
          try {
            const last = await this.options.handleBatch(batch);
            this.failures = 0;
            runningConsumerGroups.get(this.options.groupId)?.observeBatch?.(Number(process.hrtime.bigint() - started) / 1e9);
            return last;
          } catch (error) {
            this.onFailure(error);
            throw error;
          }
        },
      });
      this.consumer = consumer;
      this.subscribed = new Set(topics);
      runningConsumerGroups.set(this.options.groupId, { ...runningConsumerGroups.get(this.options.groupId), topics });
      await consumer.start();
      this.log.info('Consumer started', { groupId: this.options.groupId, topics: topics.length, reason });
    } catch (error) {
      this.onFailure(error);
    }
  }

  private onFailure(error: unknown): void {
    // Concurrent partition batches of one fetch fail together: one restart is enough.
    if (this.restartScheduled) return;
    this.restartScheduled = true;
    this.failures += 1;
    const delay = Math.min(30000, 500 * 2 ** Math.min(this.failures, 6));
    this.log.warn('Consumer failed; restarting', { groupId: this.options.groupId, delayMs: delay, error: error instanceof Error ? error.message : String(error) });
    const consumer = this.consumer;
    this.consumer = undefined;
    setTimeout(() => {
      this.restartScheduled = false;
      void consumer?.stop().catch(() => undefined);
      if (!this.stopped) void this.restart('failure');
    }, delay).unref();
  }
}
