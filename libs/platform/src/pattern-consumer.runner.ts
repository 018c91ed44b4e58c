import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { TopicNames } from '@hub/contracts';
import {
  checkStoredOffsets,
  currentTopics,
  type AdminPort,
  type BatchContext,
  type ConsumerOptions,
  type ConsumerPort,
  type KafkaPort,
  type TopicPartitionOffset,
} from '@hub/kafka';
import { HubLogger } from '@hub/observability';
import { projectionHalts, type ProjectionHalt, type ProjectionHalts } from './projection-halts';

/** Consumer groups running in this process and their topics (read by the LagMonitor). */
export const runningConsumerGroups = new Map<string, { topics: string[]; observeBatch?: (seconds: number) => void }>();

/**
 * The consumer of a projection that commits its next offsets with its rows, in one PostgreSQL
 * transaction: every kommune's topics of one kind, each assigned partition resumed at the offset
 * the projection stored (from the beginning when it has none), so a crash neither loses nor
 * doubles a record. The group's own commits only feed the lag metric.
 *
 * Each stored offset is checked against the topic as it is now (its Kafka topic id and log end,
 * libs/kafka `checkStoredOffsets`) before it is resumed from. A kommune topic whose stored offsets
 * belong to a replaced topic or lie past its log end is halted: not consumed at all (kafkajs
 * would reset silently and the projection skip what it has not read), reported by readiness,
 * the `hendelseslager_projection_halted` gauge and `hendelseslager status`, and checked again
 * every `haltRecheckMs`: once an operator has rebuilt or restored it, it resumes by itself.
 */
export function projectionConsumer(
  kafka: KafkaPort,
  names: TopicNames,
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
      groupId: names.projectorGroup(spec.projection),
      fromBeginning: true,
      commitToGroup: true,
      partitionsConsumedConcurrently: spec.partitionsConsumedConcurrently,
      handleBatch: spec.handleBatch,
    },
    spec.name,
    3000,
    { projection: spec.projection, storedOffsets: spec.storedOffsets, halts: projectionHalts, topics: names },
  );
}

/** How a projection consumer checks its stored offsets before resuming from them. */
export interface OffsetGuard {
  projection: string;
  storedOffsets: (topics: string[]) => Promise<TopicPartitionOffset[]>;
  halts: ProjectionHalts;
  /** The process's topic names: the kommune of a halted topic. */
  topics: TopicNames;
  /** How often halted topics are checked again (default 5 s). */
  haltRecheckMs?: number;
  /** How often the ids of the consumed topics are compared with those checked at assignment (default 30 s). */
  topicIdCheckMs?: number;
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
 * The topic list the runners of one process poll (every 3 s each, four runners in a hub): one
 * admin client for all of them, kept while any runs, and one listTopics request in flight that
 * callers meanwhile share. Each poll had opened and closed an admin client of its own, and each
 * list is the metadata of every topic in the cluster: with hundreds of kommuner, thousands.
 */
export class SharedTopicList {
  private static readonly byPort = new WeakMap<KafkaPort, SharedTopicList>();
  private admin?: Promise<AdminPort>;
  private inFlight?: Promise<string[]>;
  private users = 0;

  private constructor(private readonly kafka: KafkaPort) {}

  static of(kafka: KafkaPort): SharedTopicList {
    let list = SharedTopicList.byPort.get(kafka);
    if (!list) {
      list = new SharedTopicList(kafka);
      SharedTopicList.byPort.set(kafka, list);
    }
    return list;
  }

  acquire(): void {
    this.users += 1;
  }

  /** The last user closes the admin client. */
  async release(): Promise<void> {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0) return;
    await this.inFlight?.catch(() => undefined);
    await this.close();
  }

  /** Every topic of the cluster: the request in flight if there is one, else a new one. */
  topics(): Promise<string[]> {
    this.inFlight ??= this.fetch().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async fetch(): Promise<string[]> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin;
      admin.catch(() => {
        if (this.admin === admin) this.admin = undefined;
      });
    }
    const admin = await this.admin;
    try {
      return await admin.listTopics();
    } catch (error) {
      // A fresh client next time: kafkajs admin clients do not recover by themselves.
      await this.close();
      throw error;
    }
  }

  private async close(): Promise<void> {
    const admin = await this.admin?.catch(() => undefined);
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
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
  private readonly topicList: SharedTopicList;
  private listing = false;
  /** Per partition of the current assignment: the next offset expected and the topic's id (guarded consumers). */
  private readonly expected = new Map<string, { offset: bigint; topicId: string }>();
  private lastHaltCheck = 0;
  private lastIdCheck = Date.now();

  constructor(
    private readonly kafka: KafkaPort,
    private readonly pattern: RegExp,
    private readonly options: Omit<ConsumerOptions, 'topics'>,
    name: string,
    private readonly pollMs = 3000,
    private readonly guard?: OffsetGuard,
  ) {
    this.log = new HubLogger(name);
    this.topicList = SharedTopicList.of(kafka);
  }

  start(): void {
    this.stopped = false;
    if (!this.listing) this.topicList.acquire();
    this.listing = true;
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
    if (this.listing) {
      this.listing = false;
      await this.topicList.release();
    }
  }

  /** The topics to consume: those matching the pattern, less the halted ones. */
  private async matchingTopics(): Promise<string[]> {
    const halted = new Set(this.guard?.halts.topics(this.guard.projection) ?? []);
    return (await this.topicList.topics()).filter((t) => this.pattern.test(t) && !halted.has(t)).sort();
  }

  private async checkTopics(): Promise<void> {
    if (this.stopped || this.restarting) return;
    try {
      if (await this.recheckHalts()) {
        await this.restart('halt cleared');
        return;
      }
      if (await this.recheckTopicIds()) {
        await this.restart('halted');
        return;
      }
      const topics = await this.matchingTopics();
      const wanted = new Set(topics);
      if (topics.some((t) => !this.subscribed.has(t)) || (!this.consumer && topics.length > 0)) await this.restart('new topics');
      // A topic halted while the consumer was (re)starting is still subscribed: drop it.
      else if ([...this.subscribed].some((t) => !wanted.has(t))) await this.restart('topics gone or halted');
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
      let topics = await this.matchingTopics();
      // Checked before subscribing too, not only when partitions are assigned: an assignment made
      // while new topics have no leaders yet can leave some out, and they must not go unchecked.
      if (this.guard && topics.length > 0) topics = (await this.checkWholeTopics(topics)).fine;
      if (topics.length === 0) return;
      this.expected.clear();
      const consumer = this.kafka.consumer({
        ...this.options,
        topics,
        ...(this.guard ? { startOffsets: (assigned: Array<{ topic: string; partition: number }>) => this.guardedStart(assigned) } : {}),
        handleBatch: async (batch) => {
          const started = process.hrtime.bigint();
          try {
            const guarded = this.guard ? await this.guardBatch(batch) : batch;
            if (!guarded) return undefined;
            const last = await this.options.handleBatch(guarded);
            if (this.guard && last !== undefined) this.expected.set(tp(batch.topic, batch.partition), { offset: BigInt(last) + 1n, topicId: guarded.topicId! });
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

  /**
   * Where each assigned partition resumes: its stored offset, once checked against the topic as
   * it is now. Partitions of a topic with a problem are not sought; the topic is halted and the
   * consumer restarted without it. A check that cannot be made fails the consumer (restarted
   * with backoff): resuming unchecked is what this guard is for.
   */
  private async guardedStart(assigned: Array<{ topic: string; partition: number }>): Promise<TopicPartitionOffset[]> {
    const guard = this.guard!;
    try {
      const topics = [...new Set(assigned.map((a) => a.topic))];
      const stored = await guard.storedOffsets(topics);
      const checks = checkStoredOffsets(assigned, stored, await this.withAdmin((admin) => currentTopics(admin, topics)));
      const haltedTopics = new Set<string>();
      for (const topic of topics) {
        const wasHalted = guard.halts.isHalted(guard.projection, topic);
        const halt = guard.halts.halt(guard.projection, checks.filter((c) => c.topic === topic), kommuneOf(guard, topic));
        if (!halt) continue;
        haltedTopics.add(topic);
        if (!wasHalted) this.logHalt(halt);
      }
      const good = checks.filter((c) => !haltedTopics.has(c.topic));
      for (const c of good) this.expected.set(tp(c.topic, c.partition), { offset: BigInt(c.offset), topicId: c.topicId });
      if (haltedTopics.size > 0) void this.restart('halted');
      return good.map((c) => ({ topic: c.topic, partition: c.partition, offset: c.offset }));
    } catch (error) {
      this.onFailure(error);
      throw error;
    }
  }

  /**
   * A batch is handled only when its partition was checked and sought (`guardedStart`), and
   * without the records before the expected offset. A batch starting below it is either a fetch
   * from the position the consumer had before the seek (the race between the group join and the
   * seek), whose records must not be taken as read, or the client's reset after the topic was
   * replaced under it: the topic is checked again, and halted in that case.
   * The batch carries the topic id the offsets are stored with.
   */
  private async guardBatch(batch: BatchContext): Promise<BatchContext | undefined> {
    const expected = this.expected.get(tp(batch.topic, batch.partition));
    if (!expected || this.guard!.halts.isHalted(this.guard!.projection, batch.topic)) {
      await sleep(100);
      return undefined;
    }
    if (BigInt(batch.records[0]?.offset ?? expected.offset) < expected.offset) {
      const { fine } = await this.checkWholeTopics([batch.topic]);
      if (!fine.includes(batch.topic)) {
        void this.restart('halted');
        return undefined;
      }
    }
    const records = batch.records.filter((r) => BigInt(r.offset) >= expected.offset);
    if (records.length === 0) {
      await sleep(100);
      return undefined;
    }
    return Object.assign(batch, { records, topicId: expected.topicId });
  }

  /**
   * The ids of the subscribed topics compared with those their assignment was checked against
   * (at most every topicIdCheckMs): a topic deleted and created again while consumed, without a
   * rebalance, is halted here at the latest. One metadata request for all of them.
   */
  private async recheckTopicIds(): Promise<boolean> {
    const guard = this.guard;
    if (!guard || this.expected.size === 0 || Date.now() - this.lastIdCheck < (guard.topicIdCheckMs ?? 30000)) return false;
    this.lastIdCheck = Date.now();
    const byTopic = new Map<string, Array<{ partition: number; offset: bigint; topicId: string }>>();
    for (const [key, e] of this.expected) {
      const [topic, partition] = splitTp(key);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, ...e }]);
    }
    const ids = await this.withAdmin((admin) => admin.topicIds([...byTopic.keys()]));
    let halted = false;
    for (const [topic, partitions] of byTopic) {
      const now = ids.get(topic);
      if (!now || partitions.every((p) => p.topicId === now)) continue;
      const halt = guard.halts.halt(
        guard.projection,
        partitions.map((p) => ({ topic, partition: p.partition, offset: p.offset.toString(), topicId: now, problem: 'topic-replaced' as const, stored: { offset: p.offset.toString(), topicId: p.topicId } })),
        kommuneOf(guard, topic),
      );
      if (halt) this.logHalt(halt);
      halted = true;
    }
    return halted;
  }

  /** Checks the halted topics again (at most every haltRecheckMs); true when any was cleared. */
  private async recheckHalts(): Promise<boolean> {
    const guard = this.guard;
    if (!guard || Date.now() - this.lastHaltCheck < (guard.haltRecheckMs ?? 5000)) return false;
    const halted = guard.halts.topics(guard.projection);
    if (halted.length === 0) return false;
    this.lastHaltCheck = Date.now();
    const { fine } = await this.checkWholeTopics(halted);
    for (const topic of fine) {
      guard.halts.clear(guard.projection, topic);
      this.log.info('Projection halt cleared: the stored offsets fit the topic again', { projection: guard.projection, topic });
    }
    return fine.length > 0;
  }

  /**
   * Every partition of each topic checked against its stored offset: topics with a problem are
   * halted (and logged when newly so), the others returned as fine (a halt of theirs is not
   * cleared here). Topics the cluster does not show are left out of both.
   */
  private async checkWholeTopics(topics: string[]): Promise<{ fine: string[] }> {
    const guard = this.guard!;
    const current = await this.withAdmin((admin) => currentTopics(admin, topics));
    const stored = await guard.storedOffsets(topics);
    const fine: string[] = [];
    for (const topic of topics) {
      const now = current.get(topic);
      if (!now) continue;
      const checks = checkStoredOffsets(now.ends.map((e) => ({ topic, partition: e.partition })), stored, current);
      if (!checks.some((c) => c.problem)) {
        fine.push(topic);
        continue;
      }
      const wasHalted = guard.halts.isHalted(guard.projection, topic);
      const halt = guard.halts.halt(guard.projection, checks, kommuneOf(guard, topic))!;
      if (!wasHalted) this.logHalt(halt);
    }
    return { fine };
  }

  private logHalt(halt: ProjectionHalt): void {
    this.log.error('Projection halted for a kommune: its stored offsets do not fit the topic; rebuild or restore it', {
      projection: halt.projection,
      kommunenummer: halt.kommunenummer,
      topic: halt.topic,
      problem: halt.problem,
      partitions: halt.partitions,
    });
  }

  private async withAdmin<T>(fn: (admin: AdminPort) => Promise<T>): Promise<T> {
    const admin = await this.kafka.admin();
    try {
      return await fn(admin);
    } finally {
      await admin.disconnect().catch(() => undefined);
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

function tp(topic: string, partition: number): string {
  return `${topic}|${partition}`;
}

function splitTp(key: string): [string, number] {
  const i = key.lastIndexOf('|');
  return [key.slice(0, i), Number(key.slice(i + 1))];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The kommune of a topic the guard halts ('' for a name that is not a kommune topic of this namespace). */
function kommuneOf(guard: OffsetGuard, topic: string): string {
  return guard.topics.parse(topic)?.kommunenummer ?? '';
}
