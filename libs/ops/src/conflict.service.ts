import type { MsgIdConflictRecord } from '@hub/contracts';
import type { OpsContext } from './ops-context';
import { rangesToEnd, readTopicRanges } from './topic-range.reader';

/**
 * A refused message whose MsgId was already used for other bytes, as operators see it: the
 * conflict record without its content (payload, content type), times as ISO text, and where on
 * the topic the refused bytes are kept.
 */
export type ConflictEntry = Omit<MsgIdConflictRecord, 'payload' | 'contentType' | 'firstReceivedAt' | 'receivedAt'> & {
  firstReceivedAt: string | null;
  receivedAt: string;
  partition: number;
  offset: string;
};

/**
 * MsgId conflicts of a kommune (`<ns>.kommune.<knr>.conflicts.v1`, written by intake, issue #12):
 * messages refused with E10 because their MsgId was already used for other content. They are
 * kept for inspection only; nothing processes them. The same refused message sent again has the
 * same conflictId and is listed once.
 */
export class ConflictService {
  constructor(private readonly ctx: OpsContext) {}

  async list(kommunenummer: string): Promise<ConflictEntry[]> {
    const topic = this.ctx.topics.conflicts(kommunenummer);
    const ranges = await rangesToEnd(this.ctx.kafka, topic, () => '0');
    const out: ConflictEntry[] = [];
    await readTopicRanges(this.ctx.kafka, this.ctx.topics.opsGroup('conflicts'), ranges, async (batch) => {
      for (const record of batch.records) {
        if (!record.value) continue;
        const c = await this.ctx.codec.decode<MsgIdConflictRecord>(record.value);
        out.push({
          conflictId: c.conflictId,
          kommunenummer: c.kommunenummer,
          msgId: c.msgId,
          messageKey: c.messageKey,
          msgType: c.msgType,
          standard: c.standard,
          standardVersion: c.standardVersion,
          firstSha256: c.firstSha256,
          firstReceivedAt: c.firstReceivedAt === null ? null : new Date(Number(c.firstReceivedAt)).toISOString(),
          conflictingSha256: c.conflictingSha256,
          receivedAt: new Date(Number(c.receivedAt)).toISOString(),
          gatewayClient: c.gatewayClient,
          sizeBytes: Number(c.sizeBytes),
          partition: batch.partition,
          offset: record.offset,
        });
      }
    });
    const seen = new Set<string>();
    return out
      .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)))
      .filter((c) => (seen.has(c.conflictId) ? false : (seen.add(c.conflictId), true)));
  }
}
