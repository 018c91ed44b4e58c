import { AvroCodec, DocumentEvent, RegistryUnavailableException } from '@hub/contracts';
import { storedOffsetOf, type BatchContext } from '@hub/kafka';
import { ProjectionStateRepository, READ_MODEL_PROJECTION, ReadModelWriteRepository, ReadModelWrites } from '@hub/persistence';
import { ReadModelProjector } from '@hub/projections';
import { OpsException, OpsExceptionCode } from './ops.exception';

export interface RebuildPipelineDeps {
  /** The first batch's overlay on the target generation, reading outside any transaction. */
  overlay: ReadModelWriteRepository;
  generations: ProjectionStateRepository;
  codec: AvroCodec;
  /** The generation being built (not live). */
  target: string;
  /** After each batch has committed: its events applied and its records that did not decode. */
  committed(applied: number, undecodable: number): void;
  /** A batch's transaction failed; the consumer fails on its next batch as well. */
  failed(error: unknown): void;
  /** Records per transaction at most (default DEFAULT_STEP_SIZE). */
  stepSize?: number;
}

/** Large enough that a transaction's fixed cost is small, small enough that the pipeline fills quickly. */
export const DEFAULT_STEP_SIZE = 5000;

/**
 * One rebuild consumer's batches into the target generation, each batch's decoding and rules
 * running while the batch before it commits.
 *
 * Why: applied one after the other, Node (decoding, the document-chain rules, building the rows)
 * and the one PostgreSQL backend writing the batch took turns, each idle about half the time.
 *
 * Order, per consumer (its kommuner are written by nobody else until the switch):
 *   batch N:   decode, rules (reads outside any transaction), build its rows;
 *              wait until batch N-1 has committed; start batch N's transaction; return.
 *   batch N+1: the same, its rules running while batch N's transaction runs.
 * So a batch's reads start only after the batch two before it has committed, and the one
 * before it (maybe not committed yet) is known from its overlay (ReadModelWriteRepository
 * handOver). Each transaction checks that the partition's stored offset is where this pipeline
 * left it, so rows and offsets still commit together and a restart resumes from what committed.
 * A failed transaction poisons the overlays after it: the next batch throws and the rebuild
 * stops; running it again resumes from the stored offsets.
 */
export class RebuildPipeline {
  private readonly projector = new ReadModelProjector();
  private overlay: ReadModelWriteRepository;
  private pending: Promise<void> = Promise.resolve();
  private failure: unknown;
  /** topic|partition → the next offset once this pipeline's batches so far have committed. */
  private readonly next = new Map<string, bigint>();

  constructor(private readonly deps: RebuildPipelineDeps) {
    this.overlay = deps.overlay;
  }

  /** Applies one batch; returns once its transaction has started (not committed). */
  async push(batch: BatchContext): Promise<void> {
    this.throwIfFailed();
    if (batch.records.length === 0) return;
    const key = `${batch.topic}|${batch.partition}`;
    let next = this.next.get(key);
    if (next === undefined) {
      // First batch of the partition here: nothing of ours is pending for it, so the stored offset is current.
      next = BigInt(storedOffsetOf(await this.deps.generations.offsets(this.deps.target, [batch.topic]), batch.topic, batch.partition));
      this.next.set(key, next);
    }
    if (BigInt(batch.records[0].offset) > next) throw new Error(`Rebuild consumer is past the stored offset of ${batch.topic}[${batch.partition}]`);
    const fresh = batch.records.filter((r) => BigInt(r.offset) >= next);
    // In steps of at most `stepSize` records, so the first step's rules and the last one's commit,
    // which overlap nothing, stay short however much one fetch returned.
    const size = this.deps.stepSize ?? DEFAULT_STEP_SIZE;
    for (let i = 0; i < fresh.length; i += size) await this.step(batch, fresh.slice(i, i + size), i + size >= fresh.length ? batch.records.at(-1)!.offset : fresh[i + size - 1].offset);
  }

  /** Applies `records` (the next ones of the partition) and stores `last` + 1 as its next offset. */
  private async step(batch: BatchContext, records: BatchContext['records'], last: string): Promise<void> {
    const key = `${batch.topic}|${batch.partition}`;
    const next = this.next.get(key)!;
    const events: Array<{ offset: string; event: DocumentEvent }> = [];
    for (const record of records) {
      try {
        events.push({ offset: record.offset, event: await this.deps.codec.decode<DocumentEvent>(record.value ?? Buffer.alloc(0)) });
      } catch (error) {
        if (error instanceof RegistryUnavailableException) throw error;
        // The live projector has dead-lettered it already; a rebuild skips it the same way.
      }
    }
    try {
      await this.projector.applyBatches(this.overlay, [{ topic: batch.topic, topicId: batch.topicId, partition: batch.partition, storedNext: next, last, events }]);
    } catch (error) {
      // The overlay may hold half the step now.
      this.failure = error;
      throw error;
    }
    const { writes, next: overlay } = this.overlay.handOver();
    this.overlay = overlay;
    this.next.set(key, BigInt(last) + 1n);

    await this.pending;
    this.throwIfFailed();
    this.pending = this.commit(writes, batch.topic, batch.partition, next).then(
      () => this.deps.committed(events.length, records.length - events.length),
      (error) => {
        this.failure = error;
        this.deps.failed(error);
      },
    );
  }

  /** Waits for the last batch's transaction (it never rejects; a failure went to `failed`). */
  drain(): Promise<void> {
    return this.pending;
  }

  private async commit(writes: ReadModelWrites, topic: string, partition: number, storedBefore: bigint): Promise<void> {
    await this.deps.generations.transaction(async (manager) => {
      // The live generation FOR SHARE, as the live projector reads it: a switch waits for this
      // batch, and once the switch has committed (this consumer is stopped right after) the live
      // projector owns the generation and this batch writes nothing. So a rebuild never writes a
      // live generation, and before its switch it is the only writer of the kommune's rows, which
      // the overlays rely on.
      if ((await this.deps.generations.lockActiveSchema(manager, READ_MODEL_PROJECTION)) === this.deps.target) {
        throw new OpsException(OpsExceptionCode.CONFLICT, `${this.deps.target} is live now; the rebuild writes nothing more into it`);
      }
      const stored = BigInt(storedOffsetOf(await this.deps.generations.offsetsIn(manager, this.deps.target, [topic]), topic, partition));
      if (stored !== storedBefore) {
        throw new Error(`The stored offset of ${topic}[${partition}] in ${this.deps.target} is ${stored}, not ${storedBefore}: another writer; run the rebuild again to resume`);
      }
      await writes.writeTo(manager);
    });
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
