import {
  Admin,
  CompressionTypes,
  Consumer,
  IHeaders,
  Kafka,
  KafkaJSError,
  logLevel,
  Partitioners,
  Producer,
} from 'kafkajs';
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
import { PlatformaticLookups } from './platformatic.adapter';
// Before any kafkajs connection exists: mends its request queue's busy loop (see there).
import './kafkajs-request-queue.patch';

export interface KafkajsAdapterOptions {
  brokers: string[];
  clientId: string;
  /** Upper bound for one produce round trip before the caller is told Kafka is unavailable. */
  requestTimeoutMs?: number;
  /** The most bytes one consumer fetch returns (DEFAULT_FETCH_MAX_BYTES). */
  fetchMaxBytes?: number;
  /** How long the broker holds a fetch with less than `fetchMinBytes` to return (DEFAULT_FETCH_MAX_WAIT_MS). */
  fetchMaxWaitMs?: number;
  /** Bytes a fetch waits for (default 1: answer with the first record). */
  fetchMinBytes?: number;
  logger?: (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: Record<string, unknown>) => void;
}

type FetchSettings = { maxBytes: number; maxWaitMs: number; minBytes: number };

/** kafkajs implementation of the Kafka port. */
export class KafkajsAdapter implements KafkaPort {
  private readonly kafka: Kafka;

  private readonly fetch: FetchSettings;
  /** Where its @platformatic/kafka lookups connect (`PlatformaticLookups`). */
  private readonly lookupConnection: { brokers: string[]; clientId: string; requestTimeoutMs?: number };

  constructor(options: KafkajsAdapterOptions) {
    this.lookupConnection = { brokers: options.brokers, clientId: options.clientId, requestTimeoutMs: options.requestTimeoutMs };
    const log = options.logger;
    this.fetch = {
      maxBytes: options.fetchMaxBytes ?? DEFAULT_FETCH_MAX_BYTES,
      maxWaitMs: options.fetchMaxWaitMs ?? DEFAULT_FETCH_MAX_WAIT_MS,
      minBytes: options.fetchMinBytes ?? 1,
    };
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: 3000,
      requestTimeout: options.requestTimeoutMs ?? 10000,
      // Fail fast so intake can answer 503 quickly; callers (gateways, consumers) retry.
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => {
        const { message, ...extra } = entry.log;
        const level = entry.level === logLevel.ERROR ? 'error' : entry.level === logLevel.WARN ? 'warn' : 'info';
        log?.(level, `kafkajs: ${message}`, { namespace: entry.namespace, ...pickSafe(extra) });
      },
    });
  }

  async producer(): Promise<ProducerPort> {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2, the same partitioning as the Java client, so other clients agree on key placement.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await wrap('connect producer', () => producer.connect());
    return new KafkajsProducer(producer);
  }

  consumer(options: ConsumerOptions): ConsumerPort {
    return new KafkajsConsumer(this.kafka, options, this.fetch);
  }

  async admin(): Promise<AdminPort> {
    const admin = this.kafka.admin();
    await wrap('connect admin', () => admin.connect());
    return new KafkajsAdmin(admin, new PlatformaticLookups(this.lookupConnection));
  }
}

class KafkajsProducer implements ProducerPort {
  constructor(private readonly producer: Producer) {}

  send(topic: string, records: OutgoingRecord[]): Promise<void> {
    return this.sendMany([{ topic, records }]);
  }

  async sendMany(batches: Array<{ topic: string; records: OutgoingRecord[] }>): Promise<void> {
    await wrap('produce', () =>
      this.producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: batches.map((b) => ({
          topic: b.topic,
          messages: b.records.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
        })),
      }),
    );
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}

class KafkajsConsumer implements ConsumerPort {
  private consumer?: Consumer;
  private commits?: GroupCommits;
  private stopping = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ConsumerOptions,
    private readonly fetch: FetchSettings,
  ) {}

  async start(): Promise<void> {
    const options = this.options;
    this.stopping = false;
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      maxBytes: this.fetch.maxBytes,
      maxBytesPerPartition: Math.min(PARTITION_FETCH_MAX_BYTES, this.fetch.maxBytes),
      maxWaitTimeInMs: this.fetch.maxWaitMs,
      minBytes: options.fetchMinBytes ?? this.fetch.minBytes,
    });
    this.consumer = consumer;
    await wrap('connect consumer', () => consumer.connect());
    await consumer.subscribe({ topics: options.topics instanceof RegExp ? [options.topics] : options.topics, fromBeginning: options.fromBeginning });

    if (options.startOffsets) {
      const startOffsets = options.startOffsets;
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        const assigned = Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) =>
          (partitions as number[]).map((partition) => ({ topic, partition })),
        );
        // Seek before the first fetch of the new generation; kafkajs applies pending seeks on fetch.
        // By the time the offsets are known the consumer may be stopping or restarted (kafkajs
        // then throws from seek, outside any caller): its next start seeks again, so the stale
        // answer is dropped instead of becoming an unhandled rejection that ends the process.
        void startOffsets(assigned).then(
          (offsets) => {
            if (this.consumer !== consumer || this.stopping) return;
            try {
              for (const o of offsets) consumer.seek({ topic: o.topic, partition: o.partition, offset: o.offset });
            } catch {
              // Not running any more (see above).
            }
          },
          () => undefined,
        );
      });
    }

    const commits = new GroupCommits(
      (offsets) => consumer.commitOffsets(offsets),
      // A failed background commit is made good by the next one (the port's contract).
      options.groupCommitIntervalMs === undefined ? undefined : { intervalMs: options.groupCommitIntervalMs, failed: () => undefined },
    );
    this.commits = commits;
    if (options.groupCommitIntervalMs !== undefined) consumer.on(consumer.events.GROUP_JOIN, () => commits.discard());
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset, commitOffsetsIfNecessary }) => {
        const records: IncomingRecord[] = batch.messages.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key ? m.key.toString('utf8') : null,
          value: m.value,
          headers: headersToStrings(m.headers),
          timestamp: m.timestamp,
        }));
        const last = await options.handleBatch({
          topic: batch.topic,
          partition: batch.partition,
          records,
          heartbeat,
          isStale: () => this.stopping || !isRunning() || isStale(),
        });
        if (last !== undefined) {
          resolveOffset(last);
          if (options.commitToGroup) {
            await commits.commit({ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() });
          }
        }
        await commitOffsetsIfNecessary();
      },
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // Background commits still held, while the consumer is in the group. A batch running now
    // notes its offset after this and it is not committed: lag monitoring only, caught up on the next start.
    await this.commits?.flushWithin(STOP_COMMIT_WAIT_MS);
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }
}

/** What the kafkajs adapter asks through @platformatic/kafka because kafkajs' admin cannot ask it well. */
export interface KafkajsAdminLookups {
  /** kafkajs' Metadata is at most v6, without topic ids. */
  topicIds(topics: string[]): Promise<Map<string, string>>;
  /** kafkajs' admin asks end offsets one topic per request, each checking every topic it has used. */
  endOffsetsOf(topics: string[]): Promise<TopicPartitionOffset[]>;
  /** kafkajs' admin copies the set of every topic it has used for each topic of a group-offset request. */
  groupOffsets(groupId: string, topics: string[]): Promise<TopicPartitionOffset[]>;
  /** Closed with the admin client. */
  close(): Promise<void>;
}

export class KafkajsAdmin implements AdminPort {
  constructor(
    private readonly admin: Admin,
    private readonly lookups: KafkajsAdminLookups,
    private readonly offsetLookupTimeoutMs = 30_000,
  ) {}

  topicIds(topics: string[]): Promise<Map<string, string>> {
    return this.lookups.topicIds(topics);
  }

  endOffsetsOf(topics: string[]): Promise<TopicPartitionOffset[]> {
    return this.lookups.endOffsetsOf(topics);
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return;
    try {
      await this.admin.createTopics({
        waitForLeaders: true,
        // kafkajs waits 5 s by default; a new kommune is five topics of several partitions, and a hub
        // starting with many kommuner creates them all in one request, which a loaded broker can
        // take longer than that to lead (the first messages were then answered 503).
        timeout: 30000,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.partitions,
          replicationFactor: s.replicationFactor,
          configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    } catch (error) {
      // Another instance may have created them at the same time; or the controller created them
      // and the broker's metadata does not show them yet, so kafkajs' wait for their leaders
      // failed at once with "This server does not host this topic-partition" (seen with several
      // requests in flight, #15). Either way they exist once the metadata shows them.
      const deadline = Date.now() + 10000;
      for (;;) {
        const after = new Set(await this.admin.listTopics());
        if (missing.every((s) => after.has(s.topic))) break;
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    // Shown in the metadata is not yet served, in both paths above.
    await this.untilLeadersServe(missing.map((s) => s.topic), 30000);
  }

  /**
   * Metadata can name a new partition's leader before that broker serves it: a produce then
   * fails with "not the leader" and intake answers 503 for a kommune's first messages (seen on a
   * loaded machine). ListOffsets needs the same serving leader as a produce, so the topics are
   * ready once it answers for every partition of each. All of them in one round: asked topic by
   * topic through kafkajs, each lookup cost O(topics²), most of provisioning the country (#15).
   */
  private async untilLeadersServe(topics: string[], timeoutMs: number): Promise<void> {
    await retryUntil(Date.now() + timeoutMs, () => true, () => this.lookups.endOffsetsOf(topics));
  }

  listTopics(): Promise<string[]> {
    return wrap('list topics', () => this.admin.listTopics());
  }

  /**
   * kafkajs asks each partition's leader as its metadata names it, leaves out partitions whose
   * leader it does not know (yet), and then reads its own empty answer: a TypeError ("Cannot
   * destructure property 'partitions' of 'high.pop(...)'"), not a Kafka error, so it does not
   * retry. Seen on three brokers right after a wiped cluster was restored (`hendelseslager rebuild`
   * failed on its end offsets, now asked through `endOffsetsOf`). Such a lookup is tried again
   * with fresh metadata for up to `offsetLookupTimeoutMs`.
   */
  private offsetLookup<T>(topic: string, what: string, lookup: () => Promise<T>): Promise<T> {
    return retryUntil(
      Date.now() + this.offsetLookupTimeoutMs,
      (error) => error instanceof Error && error.name === 'TypeError',
      () => wrap(what, lookup),
      () => this.admin.fetchTopicMetadata({ topics: [topic] }),
    );
  }

  groupOffsets(groupId: string, topics: string | string[]): Promise<TopicPartitionOffset[]> {
    return this.lookups.groupOffsets(groupId, Array.isArray(topics) ? topics : [topics]);
  }

  async offsetsForTime(topic: string, timestampMs: number): Promise<TopicPartitionOffset[]> {
    const offsets = await this.offsetLookup(topic, 'fetch offsets by time', () => this.admin.fetchTopicOffsetsByTimestamp(topic, timestampMs));
    return offsets.map((o) => ({ topic, partition: o.partition, offset: o.offset }));
  }

  async deleteGroup(groupId: string): Promise<void> {
    try {
      await this.admin.deleteGroups([groupId]);
    } catch (error) {
      // kafkajs reports a missing group in the per-group results, not in the message.
      const groups = (error as { groups?: Array<{ error?: { type?: string } }> }).groups ?? [];
      const notFound = groups.length > 0 && groups.every((g) => g.error?.type === 'GROUP_ID_NOT_FOUND');
      if (!(error instanceof KafkaJSError) || !(notFound || /does not exist|GROUP_ID_NOT_FOUND/i.test(String(error.message)))) throw error;
    }
  }

  async ping(): Promise<void> {
    await wrap('describe cluster', () => this.admin.describeCluster());
  }

  async disconnect(): Promise<void> {
    await Promise.all([this.admin.disconnect(), this.lookups.close()]);
  }
}

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? String(value[0]) : value.toString();
  }
  return out;
}

/** Keeps only connection metadata from kafkajs log entries (never message contents). */
function pickSafe(extra: Record<string, unknown>): Record<string, unknown> {
  const safe: Record<string, unknown> = {};
  for (const key of ['broker', 'clientId', 'groupId', 'topic', 'partition', 'error', 'retryCount', 'retryTime']) {
    if (key in extra) safe[key] = extra[key];
  }
  return safe;
}

/**
 * `attempt` until it succeeds, again every 250 ms while its error is `retriable` and `deadline`
 * (ms since the epoch) has not passed, then its last error. `beforeRetry` (its failure ignored)
 * runs before each new attempt, e.g. to refresh metadata.
 */
async function retryUntil<T>(deadline: number, retriable: (error: unknown) => boolean, attempt: () => Promise<T>, beforeRetry?: () => Promise<unknown>): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!retriable(error) || Date.now() > deadline) throw error;
      await beforeRetry?.().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof KafkaJSError) {
      throw new KafkaUnavailableException(`Kafka ${what} failed: ${error.message}`, error);
    }
    throw error;
  }
}
