import { DeadLetterRecord, RawMessageRecord, RegistryUnavailableException } from '@hub/contracts';
import { MessageException } from '@hub/messages';
import { OpsStateRepository, RedriveRow } from '@hub/persistence';
import { NO_PROGRESS, OpsContext, ProgressReporter } from './ops-context';
import { OpsException, OpsExceptionCode } from './ops.exception';
import { currentMapping, encodeEvent, RawMapping } from '@hub/normalization';
import { rangesToEnd, readTopicRanges } from './topic-range.reader';

export type DeadLetterStatus = 'pending' | 'redriven' | 'redrive-failed';

/** A dead letter as operators see it: position, reason and status, never the payload. */
export interface DeadLetterEntry {
  deadLetterId: string;
  kommunenummer: string;
  stage: string;
  errorCode: string;
  reason: string;
  failedAt: string | null;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  dlqPartition: number;
  dlqOffset: string;
  originalBytes: number;
  status: DeadLetterStatus;
  redrive: { outcome: string; redrivenAt: string; eventId: string | null; detail: string | null } | null;
}

export interface DeadLetterDetail extends DeadLetterEntry {
  /** Receipt metadata of a normalizer dead letter's raw record (ids and types only). */
  raw: { msgId: string; msgType: string; standard: string; standardVersion: string; receivedAt: string; sizeBytes: number; sha256: string } | null;
}

export interface RedriveOutcome {
  deadLetterId: string;
  outcome: 'redriven' | 'failed' | 'skipped';
  eventId: string | null;
  detail: string | null;
}

/**
 * Dead letters of a kommune (`<ns>.kommune.<knr>.deadletter.v1`): list, show, redrive.
 *
 * Redrive does not write the original back to its source topic: for a normalizer dead letter
 * that would add a second copy of the raw record to the source of truth. Instead the current
 * mapping runs on the dead letter's original raw record and the resulting event goes to the
 * kommune's event topic, exactly as the normalizer would have written it (same deterministic
 * event id, so a later replay or a second redrive changes nothing). A projector dead letter
 * holds an event value; it is written back to its events topic. Each attempt is recorded in
 * ops_dlq_redrives, which `list` joins to show the status.
 */
export class DeadLetterService {
  private readonly state: OpsStateRepository;

  constructor(private readonly ctx: OpsContext) {
    this.state = ctx.opsState;
  }

  async list(kommunenummer: string, options: { status?: DeadLetterStatus } = {}): Promise<DeadLetterEntry[]> {
    const letters = await this.read(kommunenummer);
    const redrives = await this.state.redrives(kommunenummer);
    const entries = letters.map(({ letter, partition, offset }) => toEntry(letter, partition, offset, redrives.get(letter.deadLetterId)));
    return options.status ? entries.filter((e) => e.status === options.status) : entries;
  }

  async show(kommunenummer: string, deadLetterId: string): Promise<DeadLetterDetail> {
    const found = (await this.read(kommunenummer)).find((l) => l.letter.deadLetterId === deadLetterId);
    if (!found) throw new OpsException(OpsExceptionCode.NOT_FOUND, `No dead letter ${deadLetterId} in kommune ${kommunenummer}`);
    const redrive = (await this.state.redrives(kommunenummer)).get(deadLetterId);
    let raw: DeadLetterDetail['raw'] = null;
    if (found.letter.stage === 'normalizer') {
      const decoded = await this.ctx.codec.decode<RawMessageRecord>(found.letter.originalValue).catch(() => undefined);
      if (decoded) {
        raw = {
          msgId: decoded.msgId,
          msgType: decoded.msgType,
          standard: decoded.standard,
          standardVersion: decoded.standardVersion,
          receivedAt: new Date(Number(decoded.receivedAt)).toISOString(),
          sizeBytes: Number(decoded.sizeBytes),
          sha256: decoded.sha256,
        };
      }
    }
    return { ...toEntry(found.letter, found.partition, found.offset, redrive), raw };
  }

  /** Redrives the given dead letters, or every pending one when `ids` is empty. */
  async redrive(kommunenummer: string, ids: string[], options: { mapping?: RawMapping; progress?: ProgressReporter; signal?: AbortSignal } = {}): Promise<RedriveOutcome[]> {
    const progress = options.progress ?? NO_PROGRESS;
    const mapping = options.mapping ?? currentMapping;
    const letters = await this.read(kommunenummer);
    const redrives = await this.state.redrives(kommunenummer);
    let chosen = ids.length > 0 ? letters.filter((l) => ids.includes(l.letter.deadLetterId)) : letters.filter((l) => redrives.get(l.letter.deadLetterId)?.outcome !== 'redriven');
    const missing = ids.filter((id) => !letters.some((l) => l.letter.deadLetterId === id));
    if (missing.length > 0) throw new OpsException(OpsExceptionCode.NOT_FOUND, `No dead letter ${missing.join(', ')} in kommune ${kommunenummer}`);
    chosen = chosen.filter((l, i) => chosen.findIndex((c) => c.letter.deadLetterId === l.letter.deadLetterId) === i);
    progress.setTotal(chosen.length);
    const producer = await this.ctx.producer();
    const outcomes: RedriveOutcome[] = [];
    for (const { letter } of chosen) {
      if (options.signal?.aborted) break;
      const outcome = await this.redriveOne(letter, mapping);
      if (outcome.topic && outcome.record) await producer.send(outcome.topic, [outcome.record]);
      await this.state.recordRedrive({
        deadLetterId: letter.deadLetterId,
        kommunenummer,
        stage: letter.stage,
        outcome: outcome.result.outcome,
        targetTopic: outcome.topic ?? null,
        eventId: outcome.result.eventId,
        detail: outcome.result.detail,
      });
      outcomes.push(outcome.result);
      progress.tick();
    }
    return outcomes;
  }

  private async redriveOne(letter: DeadLetterRecord, mapping: RawMapping) {
    const knr = letter.kommunenummer;
    if (letter.stage === 'projector') {
      return {
        topic: this.ctx.topics.events(knr),
        record: { key: letter.originalKey, value: letter.originalValue, headers: { 'hub-redrive-of': letter.deadLetterId } },
        result: { deadLetterId: letter.deadLetterId, outcome: 'redriven' as const, eventId: null, detail: 'event written back to its events topic' },
      };
    }
    try {
      const raw = await this.ctx.codec.decode<RawMessageRecord>(letter.originalValue);
      const mapped = await encodeEvent(this.ctx.codec, this.ctx.topics, knr, mapping(raw, this.ctx.config.pseudonymKey), { 'hub-redrive-of': letter.deadLetterId });
      return { topic: mapped.topic, record: mapped.record, result: { deadLetterId: letter.deadLetterId, outcome: 'redriven' as const, eventId: mapped.event.envelope.eventId, detail: null } };
    } catch (error) {
      if (error instanceof RegistryUnavailableException) throw error;
      const detail = error instanceof MessageException ? `${error.code}: ${error.message}` : `Mapping failed: ${error instanceof Error ? error.message : String(error)}`;
      return { topic: undefined, record: undefined, result: { deadLetterId: letter.deadLetterId, outcome: 'failed' as const, eventId: null, detail } };
    }
  }

  /** Every dead letter of the kommune, oldest first, once per id (a replay may have written one again). */
  private async read(kommunenummer: string): Promise<Array<{ letter: DeadLetterRecord; partition: number; offset: string }>> {
    const topic = this.ctx.topics.deadletter(kommunenummer);
    const ranges = await rangesToEnd(this.ctx.kafka, topic, () => '0');
    const out: Array<{ letter: DeadLetterRecord; partition: number; offset: string }> = [];
    await readTopicRanges(this.ctx.kafka, this.ctx.topics.opsGroup('dlq'), ranges, async (batch) => {
      for (const record of batch.records) {
        if (!record.value) continue;
        out.push({ letter: await this.ctx.codec.decode<DeadLetterRecord>(record.value), partition: batch.partition, offset: record.offset });
      }
    });
    const seen = new Set<string>();
    return out
      .sort((a, b) => Number(a.letter.failedAt) - Number(b.letter.failedAt) || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)))
      .filter((l) => (seen.has(l.letter.deadLetterId) ? false : (seen.add(l.letter.deadLetterId), true)));
  }
}

function toEntry(letter: DeadLetterRecord, partition: number, offset: string, redrive: RedriveRow | undefined): DeadLetterEntry {
  const failedAt = Number(letter.failedAt);
  return {
    deadLetterId: letter.deadLetterId,
    kommunenummer: letter.kommunenummer,
    stage: letter.stage,
    errorCode: letter.errorCode,
    reason: letter.reason,
    failedAt: failedAt > 0 ? new Date(failedAt).toISOString() : null,
    sourceTopic: letter.sourceTopic,
    sourcePartition: letter.sourcePartition,
    sourceOffset: letter.sourceOffset,
    dlqPartition: partition,
    dlqOffset: offset,
    originalBytes: letter.originalValue.length,
    status: !redrive ? 'pending' : redrive.outcome === 'redriven' ? 'redriven' : 'redrive-failed',
    redrive: redrive ? { outcome: redrive.outcome, redrivenAt: new Date(redrive.redrivenAt).toISOString(), eventId: redrive.eventId, detail: redrive.detail } : null,
  };
}
