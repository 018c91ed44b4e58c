import { messageKey, RawMessageRecord, RegistryUnavailableException, sha256Hex } from '@hub/contracts';
import { checkStoredOffsets, currentTopics, offsetsByTopic, type AdminPort, type StoredOffsetProblem } from '@hub/kafka';
import {
  ArchivedMessage,
  AUDIT_OFFSETS,
  AuditLogRepository,
  RAW_ARCHIVE_OFFSETS,
  RawArchiveRepository,
  READ_MODEL_PROJECTION,
  StoredOffset,
} from '@hub/persistence';
import { NO_PROGRESS, OpsContext, ProgressReporter } from './ops-context';
import { OpsException, OpsExceptionCode } from './ops.exception';
import { readTopicRanges, requireTopic } from './topic-range.reader';

/** A projection of one kommune that cannot resume: its stored offsets do not fit the topic. */
export interface HaltedProjection {
  projection: string;
  topic: string;
  problem: StoredOffsetProblem;
  /** What `hendelseslager` command clears it. */
  wayOut: 'rebuild' | 'restore';
}

/**
 * The projections' stored offsets of the given kommuner checked against their topics as they are now
 * (libs/kafka `checkStoredOffsets`, the check the projectors make before resuming): which of
 * them are halted, and what clears each. `hendelseslager status` reports these. The notifier is
 * not among them: it reads a replaced event topic again by itself (it numbers each event once).
 */
export async function haltedProjections(ctx: OpsContext, admin: AdminPort, kommuner: string[]): Promise<Map<string, HaltedProjection[]>> {
  const archive = new RawArchiveRepository(ctx.dataSource);
  const audit = new AuditLogRepository(ctx.dataSource);
  const live = await ctx.generations.activeSchema(READ_MODEL_PROJECTION);
  const sources: Array<{ projection: string; topic: (knr: string) => string; stored: (topics: string[]) => Promise<StoredOffset[]>; wayOut: HaltedProjection['wayOut'] }> = [
    { projection: READ_MODEL_PROJECTION, topic: (k) => ctx.topics.events(k), stored: (t) => ctx.generations.offsets(live, t), wayOut: 'rebuild' },
    { projection: RAW_ARCHIVE_OFFSETS.projection, topic: (k) => ctx.topics.raw(k), stored: (t) => archive.offsets(t), wayOut: 'restore' },
    { projection: AUDIT_OFFSETS.projection, topic: (k) => ctx.topics.audit(k), stored: (t) => audit.offsets(t), wayOut: 'restore' },
  ];
  const halted = new Map<string, HaltedProjection[]>(kommuner.map((k) => [k, []]));
  if (kommuner.length === 0) return halted;
  // Every kommune's topics in one admin round, each projection's stored offsets in one query.
  const current = await currentTopics(admin, sources.flatMap((s) => kommuner.map(s.topic)));
  for (const source of sources) {
    const topics = kommuner.map(source.topic).filter((t) => current.has(t));
    const stored = offsetsByTopic(topics.length ? await source.stored(topics) : []);
    for (const knr of kommuner) {
      const topic = source.topic(knr);
      const now = current.get(topic);
      if (!now) continue;
      const checks = checkStoredOffsets(now.ends.map((e) => ({ topic, partition: e.partition })), stored.get(topic) ?? [], current);
      const problem = checks.find((c) => c.problem)?.problem;
      if (problem) halted.get(knr)!.push({ projection: source.projection, topic, problem, wayOut: source.wayOut });
    }
  }
  return halted;
}

export interface RestoreOptions {
  kommunenummer: string;
  progress?: ProgressReporter;
  signal?: AbortSignal;
  /** Messages read from the archive and sent to Kafka at a time (default 200). */
  batchSize?: number;
}

export interface RestoreResult {
  status: 'restored' | 'incomplete' | 'interrupted';
  kommunenummer: string;
  topic: string;
  topicId: string;
  /** Messages in the kommune's archive. */
  archived: number;
  /** Written to the raw topic by this run. */
  written: number;
  /** On the topic already (written by an earlier run, or by intake): not written again. */
  alreadyOnTopic: number;
  /** On the topic after the run with the archived bytes (sha256 of the payload read back). */
  verified: number;
  /** Archived before key, headers and fields were kept: cannot be written faithfully. */
  notRestorable: number;
  /** Archived bytes whose sha256 is not the one recorded at intake: never written. */
  hashMismatches: number;
  /** Projections told to read the new topics from their start (their stored offsets did not fit). */
  restarted: string[];
  seconds: number;
}

/**
 * Restores a kommune's raw topic from the hub's raw-message archive in PostgreSQL, after the
 * topic was replaced (a wiped cluster, a topic deleted and created again): the source of truth
 * is back, and the normalizer turns it into events again.
 *
 * - Verified by hash: each archived payload's sha256 is recomputed and must equal the one intake
 *   recorded; a mismatch is counted and never written. After writing, the topic is read back and
 *   every archived message must be on it with those bytes (`verified`); otherwise `incomplete`.
 * - Idempotent: the topic is read first and messages already on it (by message key) are not
 *   written again, so a second run (or one after an interruption) writes only what is missing.
 *   Downstream, events have deterministic ids and the projections upsert by MsgId.
 * - Records are written as intake wrote them: the archived key (partition by murmur2, as intake),
 *   headers and fields, re-encoded with the registry's current schema id, in the order they had.
 * - Then the projections that keep their own history and are idempotent by key (raw archive,
 *   audit log), if their stored offsets do not fit the kommune's topics, read them again from
 *   the start of the new topic: that clears their halt. The read model is rebuilt with `rebuild`.
 */
export class RestoreService {
  constructor(private readonly ctx: OpsContext) {}

  async restore(options: RestoreOptions): Promise<RestoreResult> {
    const started = Date.now();
    const knr = options.kommunenummer;
    const topic = this.ctx.topics.raw(knr);
    const progress = options.progress ?? NO_PROGRESS;
    const archive = new RawArchiveRepository(this.ctx.dataSource);
    const admin = await this.ctx.kafka.admin();
    let topicId: string;
    try {
      await requireTopic(admin, topic);
      const id = (await admin.topicIds([topic])).get(topic);
      if (!id) throw new OpsException(OpsExceptionCode.NOT_FOUND, `Topic ${topic} has no topic id`);
      topicId = id;
    } finally {
      await admin.disconnect();
    }
    const result: RestoreResult = {
      status: 'restored', kommunenummer: knr, topic, topicId, archived: await archive.count(knr), written: 0, alreadyOnTopic: 0, verified: 0,
      notRestorable: 0, hashMismatches: 0, restarted: [], seconds: 0,
    };
    progress.setTotal(result.archived);

    const onTopic = await this.hashesOnTopic(topic, options.signal);
    if (!onTopic) return this.finish(result, 'interrupted', started);
    const producer = await this.ctx.producer();
    let after: { partition: number; offset: string } | null = null;
    for (;;) {
      if (options.signal?.aborted) return this.finish(result, 'interrupted', started);
      const page: ArchivedMessage[] = await archive.page(knr, after, options.batchSize ?? 200);
      if (page.length === 0) break;
      after = { partition: page.at(-1)!.source.partition, offset: page.at(-1)!.source.offset };
      const records = [];
      for (const m of page) {
        if (!m.record) result.notRestorable += 1;
        else if (sha256Hex(m.payload) !== m.sha256) result.hashMismatches += 1;
        else if (onTopic.has(m.msgId)) result.alreadyOnTopic += 1;
        else {
          const value: RawMessageRecord = { ...m.record.fields, payload: m.payload };
          if (messageKey(value.msgId, value.senderHerIds[0]) !== m.msgId) {
            result.notRestorable += 1;
            continue;
          }
          records.push({ key: m.record.key, value: await this.encode(topic, value), headers: m.record.headers });
        }
      }
      if (records.length > 0) await producer.send(topic, records);
      result.written += records.length;
      progress.tick(page.length);
    }

    // Read back: every archived message that could be restored must be on the topic with its bytes.
    const readBack = await this.hashesOnTopic(topic, options.signal);
    if (!readBack) return this.finish(result, 'interrupted', started);
    const expected = await this.restorableHashes(archive, knr);
    result.verified = [...expected].filter(([key, hash]) => readBack.get(key) === hash).length;
    const complete = result.verified === expected.size && result.notRestorable === 0 && result.hashMismatches === 0;
    result.restarted = await this.restartIdempotentProjections(knr);
    return this.finish(result, complete ? 'restored' : 'incomplete', started);
  }

  /** message key → sha256 of the payload, of every raw record on the topic (undecodable ones skipped). */
  private async hashesOnTopic(topic: string, signal?: AbortSignal): Promise<Map<string, string> | undefined> {
    const admin = await this.ctx.kafka.admin();
    let ends;
    try {
      ends = await admin.endOffsetsOf([topic]);
    } finally {
      await admin.disconnect();
    }
    const hashes = new Map<string, string>();
    const { completed } = await readTopicRanges(
      this.ctx.kafka,
      this.ctx.topics.opsGroup('restore'),
      ends.map((e) => ({ topic, partition: e.partition, start: '0', end: e.offset })),
      async (batch) => {
        for (const record of batch.records) {
          try {
            const raw = await this.ctx.codec.decode<RawMessageRecord>(record.value ?? Buffer.alloc(0));
            hashes.set(messageKey(raw.msgId, raw.senderHerIds[0]), sha256Hex(raw.payload));
          } catch (error) {
            if (error instanceof RegistryUnavailableException) throw error;
          }
        }
      },
      signal,
    );
    return completed ? hashes : undefined;
  }

  /** message key → recorded sha256 of every archived message a restore can write. */
  private async restorableHashes(archive: RawArchiveRepository, knr: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let after: { partition: number; offset: string } | null = null;
    for (;;) {
      const page = await archive.page(knr, after, 500);
      if (page.length === 0) return out;
      after = { partition: page.at(-1)!.source.partition, offset: page.at(-1)!.source.offset };
      for (const m of page) if (m.record && sha256Hex(m.payload) === m.sha256) out.set(m.msgId, m.sha256);
    }
  }

  /** Raw archive and audit log read the kommune's new topics from the start where their offsets do not fit. */
  private async restartIdempotentProjections(knr: string): Promise<string[]> {
    const admin = await this.ctx.kafka.admin();
    try {
      const halted = ((await haltedProjections(this.ctx, admin, [knr])).get(knr) ?? []).filter((h) => h.wayOut === 'restore');
      if (halted.length === 0) return [];
      const current = await currentTopics(admin, halted.map((h) => h.topic));
      const archive = new RawArchiveRepository(this.ctx.dataSource);
      const audit = new AuditLogRepository(this.ctx.dataSource);
      for (const h of halted) {
        const now = current.get(h.topic)!;
        const partitions = now.ends.map((e) => e.partition);
        if (h.projection === RAW_ARCHIVE_OFFSETS.projection) await archive.restartFrom(h.topic, now.topicId, partitions);
        else await audit.restartFrom(h.topic, now.topicId, partitions);
      }
      return halted.map((h) => h.projection);
    } finally {
      await admin.disconnect();
    }
  }

  private async encode(topic: string, value: RawMessageRecord): Promise<Buffer> {
    return this.ctx.codec.encode(topic, value);
  }

  private finish(result: RestoreResult, status: RestoreResult['status'], started: number): RestoreResult {
    return { ...result, status, seconds: (Date.now() - started) / 1000 };
  }
}
