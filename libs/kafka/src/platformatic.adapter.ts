import type { Admin, ConnectionPool, Consumer, Producer } from '@platformatic/kafka';
import {
  AdminPort,
  ConsumerOptions,
  ConsumerPort,
  DEFAULT_FETCH_MAX_BYTES,
  DEFAULT_FETCH_MAX_WAIT_MS,
  IncomingRecord,
  KafkaPort,
  KafkaUnavailableException,
  OutgoingRecord,
  PARTITION_FETCH_MAX_BYTES,
  ProducerPort,
  TopicPartitionOffset,
  TopicSpec,
} from './kafka.port';
import { GroupCommits, STOP_COMMIT_WAIT_MS } from './group-commits';
import {
  FetchedBatch,
  hasProtocolError,
  headersToBuffers,
  isKafkaFailure,
  javaCompatiblePartitioner,
  nextOffsetAfter,
  toIncomingRecords,
} from './platformatic.mapping';

type Lib = typeof import('@platformatic/kafka');
type Log = (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: Record<string, unknown>) => void;

export interface PlatformaticAdapterOptions {
  brokers: string[];
  clientId: string;
  /** Upper bound for one request round trip before the caller is told Kafka is unavailable. */
  requestTimeoutMs?: number;
  /** The most bytes one consumer fetch returns (DEFAULT_FETCH_MAX_BYTES). */
  fetchMaxBytes?: number;
  /** How long the broker holds a fetch with less than `fetchMinBytes` to return (DEFAULT_FETCH_MAX_WAIT_MS). */
  fetchMaxWaitMs?: number;
  /** Bytes a fetch waits for (default 1). */
  fetchMinBytes?: number;
  logger?: Log;
}

/**
 * @platformatic/kafka is ESM-only. It is loaded on first use, not when this file is imported, so
 * importing `@hub/kafka` never loads it unless this adapter is chosen. Under `module: commonjs`
 * tsc turns `import()` into `require()`, which Node 20.19+ resolves for ESM packages natively;
 * jest loads it through tools/jest/esm-package.transform.js.
 */
let lib: Promise<Lib> | undefined;
function load(): Promise<Lib> {
  lib ??= import('@platformatic/kafka');
  return lib;
}

const LIST_EARLIEST = -2n;
const LIST_LATEST = -1n;
/** READ_COMMITTED, like kafkajs' default: records of aborted transactions are never delivered. */
const READ_COMMITTED = 1;
/**
 * How long a consumer trusts its cached topic metadata (partition leaders), as the Java client's
 * `metadata.max.age.ms` default. The client's own default is 5 s, so every idle fetch round with
 * a 5 s wait asked the broker for the metadata of every subscribed topic first: at 357 kommuner a
 * Metadata request and response of 357 topics per consumer every 5 s. A leader that moved is
 * still found at once: a failed fetch clears the cache (`run`).
 */
const CONSUMER_METADATA_MAX_AGE_MS = 300_000;

/**
 * Connection settings of every @platformatic/kafka client the hub opens (both adapters'): fail
 * fast so intake can answer 503 quickly; callers retry.
 */
function clientOptions(brokers: string[], clientId: string, requestTimeoutMs = 10_000) {
  return { clientId, bootstrapBrokers: brokers, connectTimeout: 3000, timeout: requestTimeoutMs, retries: 3, retryDelay: 250 };
}

/**
 * @platformatic/kafka implementation of the Kafka port (a maintained, pure JavaScript client).
 * Chosen with `KAFKA_CLIENT=platformatic`. Producers are idempotent with acks=all and partition
 * keyed records exactly like kafkajs and the Java client. Consumers run their own fetch loop on
 * the client's group membership so the port's batch semantics hold exactly: one batch per
 * partition, the handler's returned offset is the position (later records come again), and
 * every assignment is resolved through `startOffsets` before the first fetch of that assignment.
 */
export class PlatformaticAdapter implements KafkaPort {
  constructor(private readonly options: PlatformaticAdapterOptions) {}

  private base(suffix: string) {
    return clientOptions(this.options.brokers, `${this.options.clientId}-${suffix}`, this.options.requestTimeoutMs);
  }

  async producer(): Promise<ProducerPort> {
    const { Producer, murmur2 } = await load();
    const producer = new Producer({
      ...this.base('producer'),
      idempotent: true,
      acks: -1,
      autocreateTopics: false,
      partitioner: javaCompatiblePartitioner((key) => murmur2(key)),
    });
    try {
      // One round trip that also obtains the producer id, so a producer is only handed out
      // when the cluster answers (like kafkajs' connect()).
      await wrap('connect producer', () => producer.initIdempotentProducer({ acks: -1 }));
    } catch (error) {
      await forceClose(producer);
      throw error;
    }
    return new PlatformaticProducer(producer);
  }

  consumer(options: ConsumerOptions): ConsumerPort {
    return new PlatformaticConsumer(() => ({ ...this.base('consumer'), metadataMaxAge: CONSUMER_METADATA_MAX_AGE_MS }), options, this.options.fetchMaxBytes ?? DEFAULT_FETCH_MAX_BYTES, this.options.logger, {
      maxWaitMs: this.options.fetchMaxWaitMs ?? DEFAULT_FETCH_MAX_WAIT_MS,
      minBytes: options.fetchMinBytes ?? this.options.fetchMinBytes ?? 1,
    });
  }

  async admin(): Promise<AdminPort> {
    const { Admin } = await load();
    return new PlatformaticAdmin(new Admin(this.base('admin')));
  }
}

class PlatformaticProducer implements ProducerPort {
  constructor(private readonly producer: Producer) {}

  send(topic: string, records: OutgoingRecord[]): Promise<void> {
    return this.sendMany([{ topic, records }]);
  }

  async sendMany(batches: Array<{ topic: string; records: OutgoingRecord[] }>): Promise<void> {
    const messages = batches.flatMap((b) =>
      b.records.map((r) => ({
        topic: b.topic,
        key: r.key === null ? undefined : Buffer.from(r.key, 'utf8'),
        value: r.value,
        headers: headersToBuffers(r.headers),
      })),
    );
    if (messages.length === 0) return;
    await wrap('produce', () => this.producer.send({ messages, acks: -1 }));
  }

  disconnect(): Promise<void> {
    return this.producer.close();
  }
}

interface Assigned {
  topic: string;
  partition: number;
}

/** One partition's records from one fetch. */
interface PartitionBatch {
  topic: string;
  partition: number;
  records: IncomingRecord[];
}

/**
 * Group membership, heartbeats and rebalances are the client's (`joinGroup`; heartbeats run on a
 * timer, so long batches do not lose the membership). Fetching is done here with `fetch` rather
 * than the client's message stream: the stream reads ahead and has no seek, so it could not give
 * the port's guarantees (redelivery after the returned offset, seeking to `startOffsets` after
 * every rebalance).
 *
 * Fetches go over connections of their own (`fetchPool`), as the client's message stream does and
 * as the Java client keeps the coordinator apart: a broker answers one request of a connection at
 * a time, so on the client's own connection every heartbeat, JoinGroup, SyncGroup and commit
 * waited behind a fetch held for up to KAFKA_FETCH_MAX_WAIT_MS. A rebalance took a wait per step,
 * and a commit refused during one made the client rejoin again, which rebalanced again: with 357
 * kommuner a second instance's join took 90 s and once 9 minutes. Stopping closes the fetch
 * connections first, so a fetch in flight ends at once instead of after its wait.
 */
class PlatformaticConsumer implements ConsumerPort {
  private client?: Consumer;
  private fetchPool?: ConnectionPool;
  /** The client's group commits: those asked for while one is in flight go in the next request. */
  private commits?: GroupCommits;
  private running = false;
  private loop?: Promise<void>;
  /** Incremented on every group join; a batch from an older generation is stale. */
  private generation = 0;
  private resolvedGeneration = -1;
  private positions = new Map<string, bigint>();
  private topics: string[] = [];
  /** `topics` as a set: every fetch round filters the assignment by it (357 kommuner, 357 topics). */
  private subscribed = new Set<string>();

  constructor(
    private readonly base: () => Record<string, unknown> & { clientId: string; bootstrapBrokers: string[] },
    private readonly options: ConsumerOptions,
    private readonly fetchMaxBytes: number,
    private readonly log?: Log,
    private readonly fetchWait: { maxWaitMs: number; minBytes: number } = { maxWaitMs: DEFAULT_FETCH_MAX_WAIT_MS, minBytes: 1 },
  ) {}

  async start(): Promise<void> {
    const { Consumer, Admin, ConnectionPool } = await load();
    const options = this.options;
    if (options.topics instanceof RegExp) {
      const pattern = options.topics;
      const admin = new Admin(this.base());
      try {
        this.topics = (await wrap('list topics', () => admin.listTopics())).filter((t) => pattern.test(t));
      } finally {
        await admin.close().catch(() => undefined);
      }
    } else {
      this.topics = [...options.topics];
    }
    const client = new Consumer({
      ...this.base(),
      groupId: options.groupId,
      autocommit: false,
      sessionTimeout: 30000,
      rebalanceTimeout: 60000,
      heartbeatInterval: 3000,
      maxWaitTime: this.fetchWait.maxWaitMs,
      minBytes: this.fetchWait.minBytes,
      maxBytes: this.fetchMaxBytes,
      isolationLevel: READ_COMMITTED,
    });
    this.client = client;
    this.commits = new GroupCommits(
      (offsets) => client.commit({ offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: BigInt(o.offset), leaderEpoch: -1 })) }),
      options.groupCommitIntervalMs === undefined ? undefined : { intervalMs: options.groupCommitIntervalMs, failed: (error) => this.commitFailed(error) },
    );
    // A fetch is held at the broker for up to its wait: the request timeout must outlast it.
    this.fetchPool = new ConnectionPool(`${this.base().clientId}-fetch`, {
      connectTimeout: Number(this.base().connectTimeout ?? 3000),
      requestTimeout: Math.max(30_000, this.fetchWait.maxWaitMs + 10_000),
    });
    this.running = true;
    client.on('consumer:group:join', () => {
      this.generation += 1;
      this.commits?.discard();
    });
    this.subscribed = new Set(this.topics);
    client.topics.trackAll(...this.topics);
    try {
      await wrap('join group', () => client.joinGroup({}));
    } catch (error) {
      this.running = false;
      this.client = undefined;
      await this.closeFetchPool();
      await forceClose(client);
      throw error;
    }
    this.loop = this.run(client);
  }

  async stop(): Promise<void> {
    this.running = false;
    // Ends a fetch waiting at the broker; a batch being handled finishes first (the loop awaits it).
    await this.closeFetchPool();
    await this.loop?.catch(() => undefined);
    this.loop = undefined;
    // Background commits still held, while the client is in the group (the batches are done).
    await this.commits?.flushWithin(STOP_COMMIT_WAIT_MS);
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => forceClose(client));
  }

  /** A commit lost to a rebalance (or the broker away) is made good by the next one. */
  private commitFailed(error: unknown, where: { topic?: string; partition?: number } = {}): void {
    this.log?.('warn', 'platformatic consumer: commit failed', {
      groupId: this.options.groupId,
      ...where,
      error: error instanceof Error ? error.message : String(error),
    });
  }

  private async closeFetchPool(): Promise<void> {
    const pool = this.fetchPool;
    this.fetchPool = undefined;
    await pool?.close().catch(() => undefined);
  }

  private assigned(client: Consumer): Assigned[] {
    return (client.assignments ?? [])
      .filter((a) => this.subscribed.has(a.topic))
      .flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })));
  }

  private async run(client: Consumer): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        if (this.resolvedGeneration !== this.generation) {
          await this.resolvePositions(client);
          continue;
        }
        const handled = await this.fetchAndHandle(client);
        failures = 0;
        if (!handled) await sleep(50);
      } catch (error) {
        if (error instanceof HandlerError) {
          // The port's contract: a throwing handler stops the consumer; the caller restarts it.
          this.log?.('warn', 'platformatic consumer: handler failed; consumer stops', { groupId: this.options.groupId });
          this.running = false;
          // Its client is closed here: a background commit still held would only fail later.
          this.commits?.discard();
          await this.closeFetchPool();
          await forceClose(client);
          return;
        }
        // The fetch connections were closed by stop(): not a failure.
        if (!this.running) return;
        // Broker, network or metadata trouble: back off and fetch again (kafkajs retries too).
        failures += 1;
        client.clearMetadata();
        this.log?.('warn', 'platformatic consumer: fetch failed; retrying', {
          groupId: this.options.groupId,
          error: error instanceof Error ? error.message : String(error),
          retryCount: failures,
        });
        await sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  /**
   * Where to read each newly assigned partition: the `startOffsets` answer, else the group's
   * committed offset, else the beginning or the end of the partition per `fromBeginning`.
   */
  private async resolvePositions(client: Consumer): Promise<void> {
    const generation = this.generation;
    const assigned = this.assigned(client);
    const positions = new Map<string, bigint>();
    if (assigned.length > 0) {
      const fromCallback = this.options.startOffsets ? await this.options.startOffsets(assigned) : [];
      for (const o of fromCallback) positions.set(tp(o.topic, o.partition), BigInt(o.offset));
      let missing = assigned.filter((a) => !positions.has(tp(a.topic, a.partition)));
      if (missing.length > 0) {
        const byTopic = new Map<string, number[]>();
        for (const a of missing) byTopic.set(a.topic, [...(byTopic.get(a.topic) ?? []), a.partition]);
        const committed = await client.listCommittedOffsets({ topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
        for (const a of missing) {
          const offset = committed.get(a.topic)?.[a.partition];
          if (offset !== undefined && offset >= 0n) positions.set(tp(a.topic, a.partition), offset);
        }
        missing = missing.filter((a) => !positions.has(tp(a.topic, a.partition)));
      }
      if (missing.length > 0) await this.resetToFallback(client, missing, positions);
    }
    // A rebalance while resolving: resolve again for the newer assignment.
    if (generation !== this.generation) return;
    this.positions = positions;
    this.resolvedGeneration = generation;
  }

  private async resetToFallback(client: Consumer, partitions: Assigned[], positions: Map<string, bigint>): Promise<void> {
    const topics = [...new Set(partitions.map((p) => p.topic))];
    const listed = await client.listOffsets({ topics, timestamp: this.options.fromBeginning ? LIST_EARLIEST : LIST_LATEST });
    for (const p of partitions) {
      const offset = listed.get(p.topic)?.[p.partition];
      if (offset === undefined) throw new Error(`no offset listed for ${p.topic}[${p.partition}]`);
      positions.set(tp(p.topic, p.partition), offset);
    }
  }

  /**
   * One fetch per partition leader, then the batches of the partitions that returned records:
   * up to `partitionsConsumedConcurrently` at a time (as kafkajs' option does), so their produce
   * requests and group commits can go out together. Each partition has at most one batch per
   * fetch and the next fetch waits for all of them, so a partition's records stay in order.
   */
  private async fetchAndHandle(client: Consumer): Promise<boolean> {
    const generation = this.generation;
    const assigned = this.assigned(client).filter((a) => this.positions.has(tp(a.topic, a.partition)));
    if (assigned.length === 0) return false;
    const metadata = await client.metadata({ topics: this.topics });
    const byLeader = new Map<number, Map<string, Assigned[]>>();
    const topicNames = new Map<string, string>();
    for (const a of assigned) {
      const topic = metadata.topics.get(a.topic);
      const leader = topic?.partitions[a.partition]?.leader;
      if (!topic || leader === undefined || leader < 0) continue;
      topicNames.set(topic.id, a.topic);
      const forLeader = byLeader.get(leader) ?? new Map<string, Assigned[]>();
      forLeader.set(topic.id, [...(forLeader.get(topic.id) ?? []), a]);
      byLeader.set(leader, forLeader);
    }
    const responses = await Promise.all(
      [...byLeader].map(async ([node, topics]) => {
        const requested = [...topics].map(([topicId, parts]) => ({
          topicId,
          partitions: parts.map((p) => ({
            partition: p.partition,
            fetchOffset: this.positions.get(tp(p.topic, p.partition))!,
            partitionMaxBytes: Math.min(PARTITION_FETCH_MAX_BYTES, this.fetchMaxBytes),
            currentLeaderEpoch: -1,
            lastFetchedEpoch: -1,
          })),
        }));
        try {
          const connectionPool = this.fetchPool;
          if (!connectionPool) return undefined; // stopping
          return await client.fetch({ node, topics: requested, maxWaitTime: this.fetchWait.maxWaitMs, minBytes: this.fetchWait.minBytes, maxBytes: this.fetchMaxBytes, connectionPool });
        } catch (error) {
          if (hasProtocolError(error, 'OFFSET_OUT_OF_RANGE')) {
            // A stored position before the log start (retention) or past the end: start over
            // from the fallback for these partitions, like kafkajs does.
            await this.resetToFallback(client, [...topics.values()].flat(), this.positions);
            return undefined;
          }
          throw error;
        }
      }),
    );
    const batches: PartitionBatch[] = [];
    for (const response of responses) {
      for (const topicResponse of response?.responses ?? []) {
        const topic = topicNames.get(topicResponse.topicId);
        if (!topic) continue;
        for (const partition of topicResponse.partitions) {
          const key = tp(topic, partition.partitionIndex);
          const from = this.positions.get(key);
          if (from === undefined) continue;
          const fetched = partition.records as unknown as Array<FetchedBatch & { lastOffsetDelta: number }> | undefined;
          const records = toIncomingRecords(topic, partition.partitionIndex, fetched, from);
          if (records.length === 0) {
            // Only control batches or records before the position: step over them.
            const next = nextOffsetAfter(fetched);
            if (next !== undefined && next > from) this.positions.set(key, next);
            continue;
          }
          batches.push({ topic, partition: partition.partitionIndex, records });
        }
      }
    }
    if (batches.length === 0) return false;
    await this.handleAll(generation, batches);
    return true;
  }

  /**
   * Hands the batches of one fetch to the handler, at most `partitionsConsumedConcurrently` at a
   * time, none after a stop or a rebalance. A handler that throws lets the batches already
   * running finish (their offsets are kept and committed), starts no more, and then stops the
   * consumer with its error.
   */
  private async handleAll(generation: number, batches: PartitionBatch[]): Promise<void> {
    const width = Math.max(1, Math.min(this.options.partitionsConsumedConcurrently ?? 1, batches.length));
    let nextBatch = 0;
    let failure: unknown;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (!failed && nextBatch < batches.length) {
        if (!this.running || generation !== this.generation) return;
        const batch = batches[nextBatch++];
        try {
          await this.handle(generation, batch);
        } catch (error) {
          if (!failed) failure = error;
          failed = true;
        }
      }
    };
    await Promise.all(Array.from({ length: width }, worker));
    if (failed) throw failure;
  }

  private async handle(generation: number, { topic, partition, records }: PartitionBatch): Promise<void> {
    let last: string | undefined;
    try {
      last = await this.options.handleBatch({
        topic,
        partition,
        records,
        // Heartbeats run on the client's own timer, independent of this loop.
        heartbeat: async () => undefined,
        isStale: () => !this.running || generation !== this.generation,
      });
    } catch (error) {
      throw new HandlerError(error);
    }
    if (last === undefined) return; // nothing processed: the same records are fetched again
    const next = BigInt(last) + 1n;
    if (generation === this.generation) this.positions.set(tp(topic, partition), next);
    if (this.options.commitToGroup) {
      try {
        await this.commits?.commit({ topic, partition, offset: next.toString() });
      } catch (error) {
        this.commitFailed(error, { topic, partition });
      }
    }
  }
}

class HandlerError extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'HandlerError';
  }
}

export class PlatformaticAdmin implements AdminPort {
  constructor(private readonly admin: Admin) {}

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    const existing = new Set(await this.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    // One CreateTopics request per kind of topic (the client's request shares partitions, replicas
    // and configs): one request per topic took 52 s for the country's 1,785 topics (#15).
    const kinds = new Map<string, TopicSpec[]>();
    for (const spec of missing) {
      const kind = JSON.stringify([spec.partitions, spec.replicationFactor, Object.entries(spec.config ?? {}).sort()]);
      kinds.set(kind, [...(kinds.get(kind) ?? []), spec]);
    }
    for (const same of kinds.values()) {
      try {
        await this.createTopics(same);
      } catch {
        // Some may exist already (another instance created them at the same time): one by one,
        // where an existing topic is no error.
        for (const spec of same) {
          try {
            await this.createTopics([spec]);
          } catch (error) {
            if (!hasProtocolError(error, 'TOPIC_ALREADY_EXISTS')) throw wrapError('create topics', error);
          }
        }
      }
    }
    if (missing.length > 0) await this.waitForLeaders(missing.map((s) => s.topic));
  }

  /** One CreateTopics request for topics that share their partitions, replication factor and configs. */
  private async createTopics(specs: TopicSpec[]): Promise<void> {
    await this.admin.createTopics({
      topics: specs.map((s) => s.topic),
      partitions: specs[0].partitions,
      replicas: specs[0].replicationFactor,
      configs: Object.entries(specs[0].config ?? {}).map(([name, value]) => ({ name, value })),
    });
  }

  /** Like kafkajs' `waitForLeaders`: new topics are usable once every partition has a leader. */
  private async waitForLeaders(topics: string[]): Promise<void> {
    // Just created, a topic may be missing from the metadata a moment: a failed request is asked again.
    const { ready } = await metadataWithLeaders(this.admin, topics, { waitMs: 10_000, intervalMs: 100, retryFailures: true, what: 'wait for leaders' });
    if (!ready) throw new KafkaUnavailableException('Kafka wait for leaders failed: timed out');
  }

  listTopics(): Promise<string[]> {
    return wrap('list topics', () => this.admin.listTopics({ includeInternals: true }));
  }

  private async partitionsOf(topic: string): Promise<number[]> {
    const metadata = await wrap('fetch metadata', () => this.admin.metadata({ topics: [topic], forceUpdate: true }));
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    return Array.from({ length: count }, (_, i) => i);
  }

  private async listOffsets(topic: string, timestamp: bigint): Promise<Map<number, bigint>> {
    const partitions = await this.partitionsOf(topic);
    const listed = await wrap('list offsets', () =>
      this.admin.listOffsets({ topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) }] }),
    );
    const out = new Map<number, bigint>();
    for (const t of listed) for (const p of t.partitions) out.set(p.partitionIndex, p.offset);
    return out;
  }

  endOffsetsOf(topics: string[]): Promise<TopicPartitionOffset[]> {
    return endOffsetsOfTopics(this.admin, topics);
  }

  groupOffsets(groupId: string, topics: string | string[]): Promise<TopicPartitionOffset[]> {
    return groupOffsetsOfTopics(this.admin, groupId, Array.isArray(topics) ? topics : [topics]);
  }

  async offsetsForTime(topic: string, timestampMs: number): Promise<TopicPartitionOffset[]> {
    const byTime = await this.listOffsets(topic, BigInt(timestampMs));
    // No record at or after the time: the end of the partition, as kafkajs answers.
    const needEnds = [...byTime.values()].some((o) => o < 0n);
    const ends = needEnds ? await this.listOffsets(topic, LIST_LATEST) : new Map<number, bigint>();
    return [...byTime]
      .sort(([a], [b]) => a - b)
      .map(([partition, offset]) => ({ topic, partition, offset: (offset < 0n ? (ends.get(partition) ?? 0n) : offset).toString() }));
  }

  async deleteGroup(groupId: string): Promise<void> {
    try {
      await this.admin.deleteGroups({ groups: [groupId] });
    } catch (error) {
      if (hasProtocolError(error, 'GROUP_ID_NOT_FOUND')) return;
      throw wrapError('delete group', error);
    }
  }

  async ping(): Promise<void> {
    await wrap('describe cluster', () => this.admin.metadata({ topics: [], forceUpdate: true }));
  }

  topicIds(topics: string[]): Promise<Map<string, string>> {
    return topicIdsOf(this.admin, topics);
  }

  disconnect(): Promise<void> {
    return this.admin.close();
  }
}

/**
 * Topic ids through @platformatic/kafka's metadata (Metadata v12, which names them; kafkajs
 * speaks at most v6, without ids). The topics are asked one by one: a Metadata request naming a
 * topic that does not exist fails whole.
 */
async function topicIdsOf(admin: Admin, topics: string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  if (topics.length === 0) return ids;
  const existing = new Set(await wrap('list topics', () => admin.listTopics({ includeInternals: true })));
  const asked = topics.filter((t) => existing.has(t));
  if (asked.length === 0) return ids;
  const metadata = await wrap('fetch metadata', () => admin.metadata({ topics: asked, forceUpdate: true }));
  for (const topic of asked) {
    const id = metadata.topics.get(topic)?.id;
    if (id && !/^[0-]+$/.test(id)) ids.set(topic, id);
  }
  return ids;
}

/** @platformatic/kafka's cluster metadata (its type is not exported by name). */
type ClusterMetadata = Awaited<ReturnType<Admin['metadata']>>;

/**
 * The topics' metadata once it names a leader for every partition of each, asked again every
 * `intervalMs` for up to `waitMs` while it does not: right after topics are created or a cluster
 * is restored the metadata may name a partition without its leader (-1) for a while. Answers the
 * last metadata, with `ready` false if the wait ran out. A failed request is thrown (as `what`),
 * or with `retryFailures` asked again until the wait runs out.
 */
async function metadataWithLeaders(
  admin: Admin,
  topics: string[],
  { waitMs, intervalMs, retryFailures, what }: { waitMs: number; intervalMs: number; retryFailures: boolean; what: string },
): Promise<{ metadata: ClusterMetadata; ready: boolean }> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    let metadata: ClusterMetadata;
    try {
      metadata = await admin.metadata({ topics, forceUpdate: true });
    } catch (error) {
      if (!retryFailures || Date.now() > deadline) throw wrapError(what, error);
      await sleep(intervalMs);
      continue;
    }
    const ready = topics.every((t) => {
      const m = metadata.topics.get(t);
      return m !== undefined && m.partitions.length > 0 && m.partitions.every((p) => p.leader >= 0);
    });
    if (ready || Date.now() > deadline) return { metadata, ready };
    await sleep(intervalMs);
  }
}

/** One Metadata request for the partitions of all the topics, then one ListOffsets per leader (the client groups them). */
export async function endOffsetsOfTopics(admin: Admin, topics: string[], leaderWaitMs = 10_000): Promise<TopicPartitionOffset[]> {
  const names = [...new Set(topics)];
  if (names.length === 0) return [];
  // ListOffsets needs each partition's leader; after the wait it answers (or fails) as the cluster is.
  const { metadata } = await metadataWithLeaders(admin, names, { waitMs: leaderWaitMs, intervalMs: 250, retryFailures: false, what: 'fetch metadata' });
  const asked = names.map((name) => ({
    name,
    partitions: Array.from({ length: metadata.topics.get(name)?.partitionsCount ?? 0 }, (_, partitionIndex) => ({ partitionIndex, timestamp: LIST_LATEST })),
  }));
  const listed = await wrap('list offsets', () => admin.listOffsets({ topics: asked }));
  return listed
    .flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.offset.toString() })))
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

/**
 * A group's committed offsets for every partition of several topics (-1 where it has none): one
 * Metadata request for the partitions and one OffsetFetch for all of them.
 */
export async function groupOffsetsOfTopics(admin: Admin, groupId: string, topics: string[]): Promise<TopicPartitionOffset[]> {
  const names = [...new Set(topics)];
  if (names.length === 0) return [];
  const metadata = await wrap('fetch metadata', () => admin.metadata({ topics: names, forceUpdate: true }));
  const partitionsOf = (name: string) => Array.from({ length: metadata.topics.get(name)?.partitionsCount ?? 0 }, (_, i) => i);
  const result = await wrap('fetch group offsets', () =>
    admin.listConsumerGroupOffsets({ groups: [{ groupId, topics: names.map((name) => ({ name, partitionIndexes: partitionsOf(name) })) }] }),
  );
  const committed = new Map<string, bigint>();
  for (const g of result) for (const t of g.topics) for (const p of t.partitions) committed.set(tp(t.name, p.partitionIndex), p.committedOffset);
  return names.flatMap((topic) => partitionsOf(topic).map((partition) => ({ topic, partition, offset: (committed.get(tp(topic, partition)) ?? -1n).toString() })));
}

/**
 * A @platformatic/kafka admin client for what kafkajs' admin cannot ask well: the kafkajs adapter
 * answers `topicIds` (kafkajs' Metadata is at most v6), `endOffsetsOf` and `groupOffsets` (kafkajs'
 * admin looks up each topic alone) with it. One client for the life of the kafkajs admin that
 * asks (the lag monitor keeps one across its rounds), opened at the first lookup and closed with
 * it: a client per lookup made a lag round one connection per consumer group and one more. After
 * a failed lookup the next one opens a fresh client.
 */
export class PlatformaticLookups {
  private client?: Promise<Admin>;

  constructor(
    connection: { brokers: string[]; clientId: string; requestTimeoutMs?: number },
    private readonly open: () => Promise<Admin> = () =>
      load().then(({ Admin }) => new Admin(clientOptions(connection.brokers, `${connection.clientId}-lookups`, connection.requestTimeoutMs))),
  ) {}

  topicIds(topics: string[]): Promise<Map<string, string>> {
    return this.use((admin) => topicIdsOf(admin, topics));
  }

  endOffsetsOf(topics: string[]): Promise<TopicPartitionOffset[]> {
    return this.use((admin) => endOffsetsOfTopics(admin, topics));
  }

  groupOffsets(groupId: string, topics: string[]): Promise<TopicPartitionOffset[]> {
    return this.use((admin) => groupOffsetsOfTopics(admin, groupId, topics));
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    // An admin client's close takes no `force` (a producer's does): forceClose would pass it as the callback.
    await (await client?.catch(() => undefined))?.close().catch(() => undefined);
  }

  private async use<T>(ask: (admin: Admin) => Promise<T>): Promise<T> {
    this.client ??= this.open();
    const client = this.client;
    try {
      return await ask(await client);
    } catch (error) {
      if (this.client === client) await this.close();
      throw error;
    }
  }
}

function tp(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Closes without waiting for in-flight requests; never throws (used on failure paths). */
function forceClose(client: { close(force?: boolean): Promise<void> }): Promise<void> {
  return client.close(true).catch(() => undefined);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function wrapError(what: string, error: unknown): unknown {
  return isKafkaFailure(error) ? new KafkaUnavailableException(`Kafka ${what} failed: ${(error as Error).message}`, error) : error;
}

async function wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw wrapError(what, error);
  }
}
