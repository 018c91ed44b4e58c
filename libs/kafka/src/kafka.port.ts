import { HubException } from '@hub/exceptions';

/**
 * The hub's own small Kafka port. Apps and other libs depend on these interfaces only, so the
 * client library (kafkajs today, which is no longer actively maintained) can be replaced by
 * another adapter without touching them. Nothing here imports NestJS.
 */

export interface OutgoingRecord {
  /** Partition key. Never a fødselsnummer: use the patient pseudonym. */
  key: string | null;
  value: Buffer;
  headers?: Record<string, string>;
}

export interface IncomingRecord {
  topic: string;
  partition: number;
  /** Kafka offsets are int64; kept as a decimal string. */
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: string;
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: string;
  /**
   * The Kafka topic id (a UUID) the offset belongs to, where
   * known: stored offsets carry it (libs/persistence stored-offsets), because an offset means
   * nothing on a topic deleted and created again under the same name.
   */
  topicId?: string | null;
}

export interface ProducerPort {
  /** Resolves only when every record is acknowledged by all in-sync replicas (acks=all). */
  send(topic: string, records: OutgoingRecord[]): Promise<void>;
  /** Sends to several topics in one request; same durability guarantee. */
  sendMany(batches: Array<{ topic: string; records: OutgoingRecord[] }>): Promise<void>;
  disconnect(): Promise<void>;
}

export interface BatchContext {
  topic: string;
  partition: number;
  records: IncomingRecord[];
  /** Keeps the group membership alive during long batches. */
  heartbeat(): Promise<void>;
  /** True when the consumer is stopping or rebalancing; the handler should return early. */
  isStale(): boolean;
  /**
   * The Kafka topic id of `topic` when the consumer checked its stored offsets against it
   * (`checkStoredOffsets`): projections store it with their next offsets. Not set by adapters.
   */
  topicId?: string;
}

export interface ConsumerOptions {
  groupId: string;
  /** Topics to subscribe: explicit names or a pattern (resolved when the consumer (re)starts). */
  topics: string[] | RegExp;
  /** Where to start when the group has no committed offset and no startOffsets answer. */
  fromBeginning: boolean;
  /**
   * Called after every partition assignment; the returned offsets are sought before fetching.
   * Projections use this to resume from the offsets they stored in their own database.
   */
  startOffsets?: (assigned: Array<{ topic: string; partition: number }>) => Promise<TopicPartitionOffset[]>;
  /**
   * Handles one batch. Returns the offset of the last record fully processed; records after it
   * are delivered again. Throwing stops the consumer (it is restarted by the caller).
   */
  handleBatch: (batch: BatchContext) => Promise<string | undefined>;
  /** Commit offsets to the Kafka group after each batch (lag monitoring; projections own their offsets). */
  commitToGroup: boolean;
  /**
   * With `commitToGroup`: commit at most this often (ms), in the background, instead of after each
   * batch, which then does not wait for it. Offsets still held are committed when the consumer stops
   * and dropped at a rebalance. Only for consumers whose position is kept elsewhere, whose group
   * offsets serve lag monitoring alone (see BackgroundCommits); the normalizer resumes from its
   * group offsets and commits after each batch.
   */
  groupCommitIntervalMs?: number;
  /**
   * How many partitions' batches may be handled at the same time (default 1). Each partition's
   * batches still run one after the other, in order. With more than one, the batches of one fetch
   * overlap, so their produce requests (SharedProducer) and group commits go out together instead
   * of one of each per partition. Only for handlers that need no order across partitions.
   * Both adapters honour it: kafkajs in its runner, the platformatic adapter over the partitions
   * that returned records in one fetch (the next fetch waits for all of them).
   */
  partitionsConsumedConcurrently?: number;
  /**
   * Bytes this consumer's fetches wait for, up to the adapter's fetch wait (KAFKA_FETCH_MAX_WAIT_MS);
   * default the adapter's (1: answer with the first record). For a consumer whose rows may lag by up
   * to that wait and whose cost is per batch, fed by many small records: one batch then carries what
   * arrived during the wait instead of each few records paying a fetch and a transaction (the audit
   * projection: one record per read). Its idle fetches stay as often as every other consumer's.
   */
  fetchMinBytes?: number;
}

export interface ConsumerPort {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
  config?: Record<string, string>;
}

export interface AdminPort {
  ensureTopics(specs: TopicSpec[]): Promise<void>;
  listTopics(): Promise<string[]>;
  /**
   * Latest (high-watermark) offset of each partition of one or more existing topics, in topic and
   * partition order, in one round: one Metadata request (asked again while a partition has no
   * leader yet, as right after a topic is made or a cluster restored) and one ListOffsets request
   * per leader, however many topics. The only way the hub asks end offsets: asked topic by topic
   * through kafkajs, every lookup cost O(topics used by the client), most of an idle country-wide
   * hub (#15).
   */
  endOffsetsOf(topics: string[]): Promise<TopicPartitionOffset[]>;
  /**
   * The topic id of each named topic that exists (Metadata v10+; a topic deleted and created
   * again has a new id). Topics that do not exist are missing from the map.
   */
  topicIds(topics: string[]): Promise<Map<string, string>>;
  /**
   * The committed offsets of a group for a topic, or for several in one request (-1 when none):
   * the lag monitor asks for every kommune's topic of a group at once.
   */
  groupOffsets(groupId: string, topics: string | string[]): Promise<TopicPartitionOffset[]>;
  /** First offset at or after a timestamp, per partition. */
  offsetsForTime(topic: string, timestampMs: number): Promise<TopicPartitionOffset[]>;
  deleteGroup(groupId: string): Promise<void>;
  /** Cheap round trip to a broker; throws when the cluster is not reachable. */
  ping(): Promise<void>;
  disconnect(): Promise<void>;
}

export interface KafkaPort {
  producer(): Promise<ProducerPort>;
  consumer(options: ConsumerOptions): ConsumerPort;
  admin(): Promise<AdminPort>;
}

/** Thrown by adapters when the cluster cannot be reached or did not acknowledge in time. */
export enum KafkaExceptionCode {
  UNAVAILABLE = 'KAFKA.UNAVAILABLE',
}

export class KafkaUnavailableException extends HubException<KafkaExceptionCode> {
  constructor(message: string, cause?: unknown) {
    super(KafkaExceptionCode.UNAVAILABLE, message, { cause });
  }
}

/**
 * The most bytes one consumer fetch returns unless an adapter is given `fetchMaxBytes`
 * (KAFKA_FETCH_MAX_BYTES); each partition's share is at most PARTITION_FETCH_MAX_BYTES of it. A
 * consumer holds about this much while it handles a fetch, and a projector's transaction covers
 * at most one fetch. Kafka still returns a record batch larger than the limit whole.
 */
export const DEFAULT_FETCH_MAX_BYTES = 32 * 1024 * 1024;
export const PARTITION_FETCH_MAX_BYTES = 26 * 1024 * 1024;

/**
 * How long a broker holds a consumer fetch that has nothing to return unless an adapter is given
 * `fetchMaxWaitMs` (KAFKA_FETCH_MAX_WAIT_MS). A record arriving ends the wait at once (minBytes
 * 1), so this does not delay delivery; it sets how often an idle consumer asks again, and every
 * fetch names every partition assigned to it (kafkajs has no incremental fetch sessions): with
 * hundreds of kommuner, thousands of idle partitions. It was 200 ms (5 fetches a second).
 */
export const DEFAULT_FETCH_MAX_WAIT_MS = 1000;
