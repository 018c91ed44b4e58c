import type { BeforeApplicationShutdown, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { TopicNames } from '@hub/contracts';
import {
  checkStoredOffsets,
  currentTopics,
  type AdminPort,
  type BatchContext,
  type ConsumerOptions,
  type ConsumerPort,
  type CurrentTopic,
  type KafkaPort,
  type StoredOffsetCheck,
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
    /** See ConsumerOptions.fetchMinBytes (@hub/kafka). */
    fetchMinBytes?: number;
    /** See OffsetGuard.readAgain: set only for projections that take every record once by its key. */
    readAgain?: OffsetGuard['readAgain'];
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
      // The stored offsets are the position; the group's serve Kafka's lag tools only.
      groupCommitIntervalMs: PROJECTION_GROUP_COMMIT_INTERVAL_MS,
      partitionsConsumedConcurrently: spec.partitionsConsumedConcurrently,
      fetchMinBytes: spec.fetchMinBytes,
      handleBatch: spec.handleBatch,
    },
    spec.name,
    undefined,
    { projection: spec.projection, storedOffsets: spec.storedOffsets, halts: projectionHalts, topics: names, readAgain: spec.readAgain },
  );
}

/**
 * How often a projection consumer commits to its Kafka group (ms): in the background, the latest
 * offset of each partition (see BackgroundCommits in @hub/kafka). When each batch waited for a
 * commit, the projector's two consumers sent the broker 0.55 commit requests per message.
 */
export const PROJECTION_GROUP_COMMIT_INTERVAL_MS = 1000;

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
  /**
   * Instead of halting, store offsets at the start of the topic as it is now (with its id) and
   * read it again from there. Only for a projection that takes each record once by its key
   * (the notifier numbers an event once per subscription): reading a topic again costs it
   * nothing, and nothing an operator does (rebuild, restore) is needed to resume it. Without
   * this, a notifier that noticed the replacement after `hendelseslager restore` had run stayed
   * halted, and readiness red, until a second restore.
   */
  readAgain?: (topic: string, topicId: string, partitions: number[]) => Promise<void>;
}

/**
 * For a consumer without a guard, whose offsets Kafka keeps and whose output is idempotent by key
 * (the normalizer: event ids are deterministic): a topic deleted and created again under it
 * (a kommune's topics recreated, a cluster replaced while the hub runs) is read again from its
 * start. kafkajs fetches the new topic from the position it had in the old one, so without this
 * the records the new topic got below that position (new messages, or a restore's) were skipped.
 * Kafka drops a deleted topic's committed offsets, so a process that starts after the
 * replacement starts at the beginning anyway; this covers the process that was running.
 */
export interface ReadReplacedTopicsAgain {
  /** How often the ids of the subscribed topics are compared with those seen before (default 30 s). */
  topicIdCheckMs?: number;
}

/**
 * A service whose work is one consumer: it starts with the application and stops on shutdown,
 * finishing the batch in hand, before the producer and the pool close.
 *
 * The stop begins in `beforeApplicationShutdown` and is awaited in `onApplicationShutdown`: Nest
 * awaits the shutdown hooks of one module after the other, and a consumer's stop waits for its
 * fetch in flight (up to KAFKA_FETCH_MAX_WAIT_MS), so stopped one by one the five consumers of a
 * hub took the sum of their waits (31 s at a 10 s wait, past Kubernetes' 30 s grace period);
 * begun together, about one wait.
 */
export abstract class ConsumerService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  protected abstract readonly runner: PatternConsumerRunner;
  private stopping?: Promise<void>;

  onApplicationBootstrap(): void {
    this.runner.start();
  }

  beforeApplicationShutdown(): void {
    this.stopping ??= this.runner.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await (this.stopping ??= this.runner.stop());
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
  private readonly listeners = new Set<() => void>();
  /** How often each runner polls the list (KAFKA_TOPIC_POLL_MS, set where the port is made). */
  pollMs = 3000;

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

  /**
   * Called when this process has created topics (the provisioner): every runner looks at once,
   * instead of at its next poll.
   */
  changed(): void {
    for (const listener of this.listeners) listener();
  }

  /** Registers a runner's look at the list on `changed`; returns the unregistering function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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
  private stopListening?: () => void;
  /** Per partition of the current assignment: the next offset expected and the topic's id (guarded consumers). */
  private readonly expected = new Map<string, { offset: bigint; topicId: string }>();
  private lastHaltCheck = 0;
  private lastIdCheck = Date.now();
  /** ReadReplacedTopicsAgain: the id each subscribed topic had when last seen. */
  private readonly knownIds = new Map<string, string>();
  /** ReadReplacedTopicsAgain: partitions to be read again from their start, and that start. */
  private readonly readingAgain = new Map<string, bigint>();

  constructor(
    private readonly kafka: KafkaPort,
    private readonly pattern: RegExp,
    private readonly options: Omit<ConsumerOptions, 'topics'>,
    name: string,
    /** How often the topic list is polled; the process's KAFKA_TOPIC_POLL_MS (SharedTopicList) when omitted. */
    private readonly pollMs?: number,
    private readonly guard?: OffsetGuard,
    private readonly replaced?: ReadReplacedTopicsAgain,
  ) {
    this.log = new HubLogger(name);
    this.topicList = SharedTopicList.of(kafka);
  }

  start(): void {
    this.stopped = false;
    if (!this.listing) this.topicList.acquire();
    this.listing = true;
    void this.restart('start');
    this.timer = setInterval(() => void this.checkTopics(), this.pollMs ?? this.topicList.pollMs);
    this.timer.unref();
    this.stopListening ??= this.topicList.onChange(() => this.lookNow());
  }

  /** Looks at the topic list now, or as soon as a restart under way has finished. */
  private lookNow(): void {
    if (this.restarting) void this.restarting.finally(() => void this.checkTopics());
    else void this.checkTopics();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    runningConsumerGroups.delete(this.options.groupId);
    if (this.timer) clearInterval(this.timer);
    this.stopListening?.();
    this.stopListening = undefined;
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
        await this.restart('topic replaced');
        return;
      }
      if (await this.replacedSinceSeen()) {
        await this.restart('topic replaced: read again');
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
      if (this.replaced) await this.markReplaced(topics);
      const consumer = this.kafka.consumer({
        ...this.options,
        topics,
        ...(this.guard ? { startOffsets: (assigned: Array<{ topic: string; partition: number }>) => this.guardedStart(assigned) } : {}),
        ...(this.replaced ? { startOffsets: async (assigned: Array<{ topic: string; partition: number }>) => this.readAgainStart(assigned) } : {}),
        handleBatch: async (batch) => {
          const started = process.hrtime.bigint();
          try {
            const guarded = this.guard ? await this.guardBatch(batch) : await this.skipUntilReadAgain(batch);
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
   * ReadReplacedTopicsAgain, before (re)subscribing: each topic whose id differs from the one
   * seen before has all its partitions set to be read again from their first offset now.
   */
  private async markReplaced(topics: string[]): Promise<void> {
    await this.withAdmin(async (admin) => {
      const ids = await admin.topicIds(topics);
      for (const [topic, id] of ids) {
        const before = this.knownIds.get(topic);
        if (before && before !== id) {
          for (const p of await admin.offsetsForTime(topic, 0)) this.readingAgain.set(tp(topic, p.partition), BigInt(p.offset));
          this.log.warn('Topic replaced under the consumer: reading it again from its start', { groupId: this.options.groupId, topic });
        }
        this.knownIds.set(topic, id);
      }
    });
    this.lastIdCheck = Date.now();
  }

  /** ReadReplacedTopicsAgain, periodically: has any subscribed topic a new id? */
  private async replacedSinceSeen(): Promise<boolean> {
    if (!this.replaced || this.subscribed.size === 0 || Date.now() - this.lastIdCheck < (this.replaced.topicIdCheckMs ?? 30000)) return false;
    this.lastIdCheck = Date.now();
    const ids = await this.withAdmin((admin) => admin.topicIds([...this.subscribed]));
    return [...ids].some(([topic, id]) => this.knownIds.has(topic) && this.knownIds.get(topic) !== id);
  }

  /** ReadReplacedTopicsAgain: the assigned partitions to be read again are sought to their start. */
  private readAgainStart(assigned: Array<{ topic: string; partition: number }>): TopicPartitionOffset[] {
    return assigned.flatMap(({ topic, partition }) => {
      const start = this.readingAgain.get(tp(topic, partition));
      return start === undefined ? [] : [{ topic, partition, offset: start.toString() }];
    });
  }

  /**
   * ReadReplacedTopicsAgain: a partition to be read again hands on nothing until a batch starts
   * at its start (one fetched from the old position before the seek took effect is left), then
   * is consumed as usual.
   */
  private async skipUntilReadAgain(batch: BatchContext): Promise<BatchContext | undefined> {
    const key = tp(batch.topic, batch.partition);
    const start = this.readingAgain.get(key);
    if (start === undefined) return batch;
    const first = batch.records[0]?.offset;
    if (first === undefined || BigInt(first) > start) {
      await sleep(100);
      return undefined;
    }
    this.readingAgain.delete(key);
    return batch;
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
      const current = await this.withAdmin((admin) => currentTopics(admin, topics));
      const { checks } = await this.readAgainWhereUnfit(checkStoredOffsets(assigned, stored, current), current);
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
      const { fine, readAgain } = await this.checkWholeTopics([batch.topic]);
      if (!fine.includes(batch.topic) || readAgain.includes(batch.topic)) {
        void this.restart(readAgain.includes(batch.topic) ? 'topic replaced: read again' : 'halted');
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
      if (guard.readAgain) {
        // The stored offsets may still carry the old id (or already the new one, from a batch
        // fetched after the replacement): checked whole, the topic is set back to its start.
        await this.checkWholeTopics([topic]);
        halted = true;
        continue;
      }
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
  private async checkWholeTopics(topics: string[]): Promise<{ fine: string[]; readAgain: string[] }> {
    const guard = this.guard!;
    const current = await this.withAdmin((admin) => currentTopics(admin, topics));
    const stored = await guard.storedOffsets(topics);
    const fine: string[] = [];
    const readAgain: string[] = [];
    for (const topic of topics) {
      const now = current.get(topic);
      if (!now) continue;
      const settled = await this.readAgainWhereUnfit(checkStoredOffsets(now.ends.map((e) => ({ topic, partition: e.partition })), stored, current), current);
      const checks = settled.checks;
      if (settled.readAgain.has(topic)) readAgain.push(topic);
      if (!checks.some((c) => c.problem)) {
        fine.push(topic);
        continue;
      }
      const wasHalted = guard.halts.isHalted(guard.projection, topic);
      const halt = guard.halts.halt(guard.projection, checks, kommuneOf(guard, topic))!;
      if (!wasHalted) this.logHalt(halt);
    }
    return { fine, readAgain };
  }

  /**
   * With a `readAgain` guard, each topic among the checks whose stored offsets do not fit is
   * set back to its start (offsets 0 with the topic's current id, for all its partitions) and
   * its checks say so; without one, the checks are returned as they are, to be halted.
   */
  private async readAgainWhereUnfit(checks: StoredOffsetCheck[], current: Map<string, CurrentTopic>): Promise<{ checks: StoredOffsetCheck[]; readAgain: Set<string> }> {
    const readAgain = new Set<string>();
    const guard = this.guard!;
    if (!guard.readAgain) return { checks, readAgain };
    for (const c of checks) {
      if (!c.problem || readAgain.has(c.topic)) continue;
      const now = current.get(c.topic)!;
      await guard.readAgain(c.topic, now.topicId, now.ends.map((e) => e.partition));
      readAgain.add(c.topic);
      this.log.warn('Topic replaced or truncated under a projection that takes each record once by key: reading it again from its start', {
        projection: guard.projection,
        topic: c.topic,
        problem: c.problem,
      });
    }
    return {
      checks: checks.map((c) => (readAgain.has(c.topic) ? { topic: c.topic, partition: c.partition, offset: '0', topicId: c.topicId } : c)),
      readAgain,
    };
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
