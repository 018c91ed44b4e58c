import type { OutgoingRecord, TopicPartitionOffset } from '@hub/kafka';
import { MAPPING_VERSION } from '@hub/normalization';
import { OpsStateRepository, ReplayProgressRow } from '@hub/persistence';
import { NO_PROGRESS, OpsContext, ProgressReporter } from './ops-context';
import { OpsException, OpsExceptionCode } from './ops.exception';
import { currentMapping, mapRawRecord, RawMapping } from '@hub/normalization';
import { PartitionRange, readTopicRanges, requireTopic } from './topic-range.reader';

/** Where a replay starts on each partition of the kommune's raw topic. */
export type ReplayStart =
  | { kind: 'beginning' }
  | { kind: 'offset'; offsets: Record<number, string> | string }
  | { kind: 'timestamp'; epochMs: number };

export interface ReplayOptions {
  kommunenummer: string;
  /** Required for a new run; omitted with `resume` to continue the last unfinished run. */
  from?: ReplayStart;
  resume?: boolean;
  mapping?: RawMapping;
  progress?: ProgressReporter;
  signal?: AbortSignal;
}

export interface ReplayResult {
  runId: string;
  kommunenummer: string;
  resumed: boolean;
  completed: boolean;
  mappingVersion: string;
  records: number;
  events: number;
  deadLetters: number;
  partitions: ReplayProgressRow[];
}

/**
 * Re-runs the normalizer's mapping over a range of a kommune's raw topic and writes the
 * resulting events to the kommune's event topic. The range ends at the raw topic's end when
 * the run started (later records are the live normalizer's). Event ids are deterministic
 * (kommune + MsgId), so the projector replaces the facts of each message with the corrected
 * ones instead of adding rows. Progress is stored per partition after every batch
 * (ops_replay_progress), so an interrupted replay resumes where it stopped.
 */
export class ReplayService {
  private readonly state: OpsStateRepository;

  constructor(private readonly ctx: OpsContext) {
    this.state = ctx.opsState;
  }

  async replay(options: ReplayOptions): Promise<ReplayResult> {
    const knr = options.kommunenummer;
    const topic = this.ctx.topics.raw(knr);
    const progress = options.progress ?? NO_PROGRESS;
    const mapping = options.mapping ?? currentMapping;
    let run = options.resume ? await this.state.unfinishedReplay(knr) : undefined;
    if (options.resume && !run) throw new OpsException(OpsExceptionCode.NOT_FOUND, `No unfinished replay of kommune ${knr} to resume`);
    if (!run) {
      if (!options.from) throw new OpsException(OpsExceptionCode.INVALID_ARGUMENT, 'Say where to start: --from-beginning, --from-offset or --from-timestamp');
      const partitions = await this.startPositions(topic, options.from);
      run = await this.state.startReplay(knr, topic, describe(options.from), MAPPING_VERSION, partitions);
    }
    const partitions = await this.state.replayProgress(run.id);
    const ranges: PartitionRange[] = partitions.map((p) => ({ topic, partition: p.partition, start: p.nextOffset, end: p.endOffset }));
    progress.setTotal(ranges.reduce((n, r) => n + Math.max(0, Number(BigInt(r.end) - BigInt(r.start))), 0));

    const producer = await this.ctx.producer();
    const counts = { records: 0, events: 0, deadLetters: 0 };
    const { completed } = await readTopicRanges(
      this.ctx.kafka,
      this.ctx.topics.opsGroup('replay'),
      ranges,
      async (batch) => {
        const out = new Map<string, OutgoingRecord[]>();
        for (const record of batch.records) {
          const mapped = await mapRawRecord(this.ctx.codec, this.ctx.topics, record, knr, mapping, this.ctx.config.pseudonymKey, { 'hub-replay-run': run!.id });
          out.set(mapped.topic, [...(out.get(mapped.topic) ?? []), mapped.record]);
          if (mapped.kind === 'event') counts.events += 1;
          else counts.deadLetters += 1;
        }
        // acks=all before the progress row moves: a crash in between replays the batch again, which is harmless.
        await producer.sendMany([...out].map(([t, records]) => ({ topic: t, records })));
        await this.state.saveReplayProgress(run!.id, batch.partition, (BigInt(batch.records.at(-1)!.offset) + 1n).toString());
        counts.records += batch.records.length;
        progress.tick(batch.records.length);
      },
      options.signal,
    );
    if (completed) await this.state.finishReplay(run.id, 'done');
    return {
      runId: run.id,
      kommunenummer: knr,
      resumed: Boolean(options.resume),
      completed,
      mappingVersion: run.mappingVersion,
      ...counts,
      partitions: await this.state.replayProgress(run.id),
    };
  }

  private async startPositions(topic: string, from: ReplayStart): Promise<ReplayProgressRow[]> {
    const admin = await this.ctx.kafka.admin();
    try {
      await requireTopic(admin, topic);
      const ends = await admin.endOffsetsOf([topic]);
      const byTime = from.kind === 'timestamp' ? await admin.offsetsForTime(topic, from.epochMs) : [];
      return replayStartPositions(ends, byTime, from);
    } finally {
      await admin.disconnect();
    }
  }
}

/**
 * Where each partition's replay starts and ends: the end is the partition's end offset now; the
 * start is 0, the given offset, or the first offset at or after the timestamp, never past the
 * end (a partition with nothing in range is simply done).
 */
export function replayStartPositions(ends: TopicPartitionOffset[], byTime: TopicPartitionOffset[], from: ReplayStart): ReplayProgressRow[] {
  return ends
    .map((end) => {
      let start = '0';
      if (from.kind === 'offset') start = typeof from.offsets === 'string' ? from.offsets : (from.offsets[end.partition] ?? end.offset);
      if (from.kind === 'timestamp') {
        const found = byTime.find((o) => o.partition === end.partition)?.offset;
        // -1: no record at or after the time on this partition.
        start = found === undefined || BigInt(found) < 0n ? end.offset : found;
      }
      if (BigInt(start) > BigInt(end.offset)) start = end.offset;
      return { partition: end.partition, startOffset: start, nextOffset: start, endOffset: end.offset };
    })
    .sort((a, b) => a.partition - b.partition);
}

function describe(from: ReplayStart): string {
  switch (from.kind) {
    case 'beginning':
      return 'beginning';
    case 'offset':
      return `offset ${typeof from.offsets === 'string' ? from.offsets : JSON.stringify(from.offsets)}`;
    case 'timestamp':
      return `timestamp ${new Date(from.epochMs).toISOString()}`;
  }
}
