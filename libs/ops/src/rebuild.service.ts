import { resumeFromStored, storedOffsetOf, type ConsumerPort } from '@hub/kafka';
import { HubLogger } from '@hub/observability';
import { OpsStateRepository, ProjectionStateRepository, READ_MODEL_PROJECTION, readModelSchemaName, ReadModelWriteRepository, RebuildRow } from '@hub/persistence';
import { randomUUID } from 'node:crypto';
import { NO_PROGRESS, OpsContext, ProgressReporter } from './ops-context';
import { OpsException, OpsExceptionCode } from './ops.exception';
import { RebuildPipeline } from './rebuild-pipeline';

export interface RebuildOptions {
  /** Kommuner rebuilt from offset zero; the others are carried over from the live generation. Empty or omitted: all. */
  kommuner?: string[];
  /** Drop the rebuild under way instead; the live generation is untouched. */
  abort?: boolean;
  /** Generations kept after a switch (the new live one included); at least 1, default 2. */
  keep?: number;
  progress?: ProgressReporter;
  signal?: AbortSignal;
  /** How often catch-up is checked (ms). */
  pollMs?: number;
  /** Consumers applying different kommuner side by side (default 2; one kommune is always sequential). */
  parallel?: number;
}

export interface RebuildResult {
  status: 'switched' | 'interrupted' | 'aborted';
  targetSchema: string;
  previousSchema: string | null;
  kommuner: string[] | 'all';
  resumed: boolean;
  applied: number;
  undecodable: number;
  droppedSchemas: string[];
  seconds: number;
}

/**
 * Rebuilds the clinical read model into a new generation schema (readmodel_g<N+1>) from the
 * event topics while the live generation keeps serving, then switches the live pointer
 * atomically.
 *
 * - Scope: the new generation always holds every kommune. With `kommuner`, those are rebuilt
 *   from offset zero and every other kommune's rows and offsets are copied from the live
 *   generation in one snapshot and continued from there; without, all are rebuilt from zero.
 * - Indexes: the new generation is filled without the indexes only reads use; once it first
 *   reaches the topics' end offsets they are built over the filled tables (cheaper than keeping
 *   them up to date row by row), and only then may it switch.
 * - Switch: once the new generation has reached the topics' end offsets, the projection's row
 *   in projection_generations is locked FOR UPDATE (the live projector holds it FOR SHARE for
 *   each batch, so no live batch is half-way), and the pointer moves only if the new
 *   generation's offsets are at or past the live one's on every partition. Otherwise it keeps
 *   catching up and tries again. The live projector's next batch then runs on the new
 *   generation and skips what it already holds. Each rebuild batch also reads the row FOR SHARE
 *   and writes nothing once its generation is live, so a rebuild never writes a live generation.
 * - Batches: each consumer's batches go through a RebuildPipeline, one batch's rules running
 *   while the one before it commits (see there).
 * - Interrupt (signal): the consumer stops after its batch; the new generation and its offsets
 *   stay, and the next `rebuild` resumes it. Abort drops it. The live one is never touched.
 * - After a switch the previous generation is kept (reads that looked up the old name a moment
 *   before the switch still find their tables); older ones are dropped (`keep`).
 */
export class RebuildService {
  private readonly log = new HubLogger(RebuildService.name);
  private readonly ops: OpsStateRepository;
  private readonly generations: ProjectionStateRepository;

  constructor(private readonly ctx: OpsContext) {
    this.ops = ctx.opsState;
    this.generations = ctx.generations;
  }

  async rebuild(options: RebuildOptions = {}): Promise<RebuildResult> {
    const started = Date.now();
    const projection = READ_MODEL_PROJECTION;
    let build = await this.ops.currentRebuild(projection);
    if (options.abort) return this.abort(build, started);
    const kommuner = options.kommuner && options.kommuner.length > 0 ? [...new Set(options.kommuner)].sort() : null;
    const resumed = Boolean(build);
    if (build) {
      if (kommuner && JSON.stringify(kommuner) !== JSON.stringify(build.kommuner ?? null)) {
        throw new OpsException(OpsExceptionCode.CONFLICT, `A rebuild of ${build.kommuner?.join(', ') ?? 'all kommuner'} into ${build.targetSchema} is under way; resume it (same scope) or abort it first`);
      }
    } else {
      build = await this.start(projection, kommuner);
    }
    const target = build.targetSchema;
    if (resumed && (await this.generations.activeSchema(projection)) === target) {
      // The switch committed but the run stopped before recording it. The live projector owns
      // this generation now; only record the switch (consuming into it would race the projector).
      await this.ops.finishRebuild(build.id, 'switched');
      const dropped = await this.dropOld(target, build.sourceSchema, options.keep ?? 2);
      return this.result('switched', build, build.sourceSchema, true, { applied: 0, undecodable: 0 }, dropped, started);
    }
    const progress = options.progress ?? NO_PROGRESS;
    const counts = { applied: 0, undecodable: 0 };
    let consumers: ConsumerPort[] = [];
    let pipelines: RebuildPipeline[] = [];
    let subscribed: string[] = [];
    let consumerError: unknown;
    const stopConsumers = async () => {
      await Promise.all(consumers.map((c) => c.stop().catch(() => undefined)));
      // Their last batches' transactions may still be running.
      await Promise.all(pipelines.map((p) => p.drain()));
      consumers = [];
      pipelines = [];
    };
    let topicIds = new Map<string, string>();
    const startConsumers = async (topics: string[]) => {
      await stopConsumers();
      subscribed = topics;
      // The new generation's offsets are stored with the ids of the topics it was built from:
      // a kommune halted because its topics were replaced resumes once this generation is live.
      topicIds = await this.topicIds(topics);
      // Kommuner never share a row, so each consumer takes whole kommuner (event topics) and they
      // run side by side. Partitions of one kommune stay sequential in one consumer: a document's
      // versions may sit on different partitions (different identifiers), and two concurrent
      // transactions could each miss the other's uncommitted half of a chain.
      const parallel = Math.max(1, Math.min(options.parallel ?? 2, topics.length));
      const groups = Array.from({ length: parallel }, (_, i) => topics.filter((_t, j) => j % parallel === i));
      pipelines = groups.map(
        () =>
          new RebuildPipeline({
            overlay: new ReadModelWriteRepository(this.ctx.dataSource.manager, target),
            generations: this.generations,
            codec: this.ctx.codec,
            target,
            committed: (applied, undecodable) => {
              // Counted once committed; a batch that rolls back is read again by the next run.
              counts.applied += applied;
              counts.undecodable += undecodable;
              progress.tick(applied + undecodable);
            },
            failed: (error) => {
              consumerError ??= error;
            },
          }),
      );
      consumers = groups.map((group, i) =>
        this.ctx.kafka.consumer({
          groupId: this.ctx.topics.opsGroup(`rebuild.${target}.${randomUUID()}`),
          topics: group,
          fromBeginning: true,
          commitToGroup: false,
          startOffsets: (assigned) => resumeFromStored(assigned, (topics) => this.generations.offsets(target, topics)),
          handleBatch: async (batch) => {
            try {
              await pipelines[i].push(Object.assign(batch, { topicId: topicIds.get(batch.topic) }));
              return batch.records.at(-1)?.offset;
            } catch (error) {
              consumerError ??= error;
              throw error;
            }
          },
        }),
      );
      await Promise.all(consumers.map((c) => c.start()));
    };

    // Whether this run built the generation's read indexes; never switched to before it has.
    let indexed = false;
    try {
      // Progress counts from where this run starts (a resumed rebuild has stored offsets already).
      const baseline = await this.generations.allOffsets(target);
      await startConsumers(await this.eventTopics());
      while (true) {
        if (options.signal?.aborted) {
          this.log.info('Rebuild interrupted; run it again to resume', { target });
          // Stopped first, so the counts include the batches still committing.
          await stopConsumers();
          return this.result('interrupted', build, null, resumed, counts, [], started);
        }
        if (consumerError) throw consumerError;
        await sleep(options.pollMs ?? 500, options.signal);
        if (options.signal?.aborted) continue;
        const topics = await this.eventTopics();
        if (topics.join() !== subscribed.join()) await startConsumers(topics);
        const ends = await this.endOffsets(topics);
        const stored = await this.generations.allOffsets(target);
        const behind = ends.reduce((n, e) => n + Math.max(0, Number(BigInt(e.offset) - BigInt(storedOffsetOf(stored, e.topic, e.partition)))), 0);
        progress.setTotal(ends.reduce((n, e) => n + Math.max(0, Number(BigInt(e.offset) - BigInt(storedOffsetOf(baseline, e.topic, e.partition)))), 0));
        if (behind > 0) continue;
        if (!indexed) {
          // Caught up: the indexes only reads use, built once over the filled tables (the fill
          // went without them). Writes waited meanwhile; the switch below still moves only if the
          // new generation is at or past the live one on every partition.
          const began = Date.now();
          await this.ops.indexForReads(target);
          indexed = true;
          this.log.info('New generation indexed for reads', { target, ms: Date.now() - began });
        }
        const { switched, previous } = await this.generations.switchActiveSchema(projection, target, async (manager, live) => {
          if (!(await this.ops.isBuilding(manager, build!.id))) throw new OpsException(OpsExceptionCode.CONFLICT, `Rebuild into ${target} was aborted meanwhile`);
          const liveOffsets = await this.generations.offsetsIn(manager, live, topics);
          const targetOffsets = await this.generations.offsetsIn(manager, target, topics);
          // Offsets the live generation stored for a topic since replaced (another topic id, or
          // without an id and past the log end) say nothing about the topic the new generation
          // was built from: not compared.
          return liveOffsets
            .filter((l) => (l.topicId ? l.topicId === topicIds.get(l.topic) : BigInt(l.offset) <= BigInt(storedOffsetOf(ends, l.topic, l.partition))))
            .every((l) => BigInt(storedOffsetOf(targetOffsets, l.topic, l.partition)) >= BigInt(l.offset));
        });
        if (!switched) continue;
        await this.ops.finishRebuild(build.id, 'switched');
        await stopConsumers();
        this.log.info('Read model generation switched', { from: previous, to: target });
        const dropped = await this.dropOld(target, previous, options.keep ?? 2);
        return this.result('switched', build, previous, resumed, counts, dropped, started);
      }
    } finally {
      await stopConsumers();
    }
  }

  private async start(projection: string, kommuner: string[] | null): Promise<RebuildRow> {
    const live = await this.generations.activeSchema(projection);
    const target = readModelSchemaName((await this.ops.highestGeneration()) + 1);
    let build: RebuildRow;
    try {
      build = await this.ops.startRebuild(projection, target, live, kommuner);
    } catch (error) {
      if (/ops_rebuilds_one_building|duplicate key|already exists/i.test(String((error as Error).message))) {
        throw new OpsException(OpsExceptionCode.CONFLICT, 'Another rebuild started at the same time');
      }
      throw error;
    }
    if (kommuner) {
      const copied = await this.ops.carryOver(live, target, kommuner, (topic) => kommuner.includes(this.ctx.topics.parse(topic)?.kommunenummer ?? ''));
      this.log.info('Other kommuner carried over into the new generation', { target, rows: copied });
    }
    this.log.info('Rebuild started', { source: live, target, kommuner: kommuner ?? 'all' });
    return build;
  }

  private async abort(build: RebuildRow | undefined, started: number): Promise<RebuildResult> {
    if (!build) throw new OpsException(OpsExceptionCode.NOT_FOUND, 'No rebuild is under way');
    if ((await this.generations.activeSchema(READ_MODEL_PROJECTION)) === build.targetSchema) {
      // The switch committed but the run stopped before recording it: the target is live now.
      throw new OpsException(OpsExceptionCode.CONFLICT, `${build.targetSchema} is already live; run rebuild again to finish recording the switch`);
    }
    await this.ops.finishRebuild(build.id, 'aborted');
    await this.ops.dropGeneration(build.targetSchema);
    this.log.info('Rebuild aborted; live generation untouched', { target: build.targetSchema });
    return this.result('aborted', build, null, true, { applied: 0, undecodable: 0 }, [build.targetSchema], started);
  }

  private async dropOld(target: string, previous: string, keep: number): Promise<string[]> {
    const keepSet = new Set([target, ...(keep >= 2 ? [previous] : [])]);
    const all = await this.ops.generationSchemas();
    const others = all.filter((s) => !keepSet.has(s)).sort((a, b) => generationOf(b) - generationOf(a));
    const extra = Math.max(0, keep - keepSet.size);
    const drop = others.slice(extra);
    // With keep=1 the previous generation goes too: give reads that looked it up a moment to finish.
    if (keep < 2 && drop.includes(previous)) await sleep(5000);
    for (const schema of drop) await this.ops.dropGeneration(schema);
    return drop;
  }

  private async eventTopics(): Promise<string[]> {
    const admin = await this.ctx.kafka.admin();
    try {
      const pattern = this.ctx.topics.pattern('events');
      return (await admin.listTopics()).filter((t) => pattern.test(t)).sort();
    } finally {
      await admin.disconnect();
    }
  }

  private async topicIds(topics: string[]): Promise<Map<string, string>> {
    const admin = await this.ctx.kafka.admin();
    try {
      return await admin.topicIds(topics);
    } finally {
      await admin.disconnect();
    }
  }

  private async endOffsets(topics: string[]) {
    const admin = await this.ctx.kafka.admin();
    try {
      return topics.length ? await admin.endOffsetsOf(topics) : [];
    } finally {
      await admin.disconnect();
    }
  }

  private result(
    status: RebuildResult['status'],
    build: RebuildRow,
    previous: string | null,
    resumed: boolean,
    counts: { applied: number; undecodable: number },
    droppedSchemas: string[],
    started: number,
  ): RebuildResult {
    return {
      status,
      targetSchema: build.targetSchema,
      previousSchema: previous,
      kommuner: build.kommuner ?? 'all',
      resumed,
      applied: counts.applied,
      undecodable: counts.undecodable,
      droppedSchemas,
      seconds: (Date.now() - started) / 1000,
    };
  }
}

function generationOf(schema: string): number {
  return Number(/(\d+)$/.exec(schema)?.[1] ?? 0);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
