import { splitMessageKey } from '@hub/contracts';
import { RawArchiveRepository } from '@hub/persistence';
import type { OpsContext } from './ops-context';

/** One message of a kommune as operators see it: ids, type, hash and whether it named a patient, never content. */
export interface MessageListEntry {
  msgId: string;
  /** The sender HER-id that scopes a MsgId that is not a UUID; null for a UUID. */
  senderHerId: string | null;
  msgType: string;
  hasPatient: boolean;
  receivedAt: string;
  sha256: string;
  sizeBytes: number;
  /** `Binary/{id}` of the original in the FHIR API. */
  binaryId: string;
  hubMessageId: string;
}

/**
 * A kommune's received messages (the raw-message archive, a projection of the raw topic), newest
 * first, including those with nothing to project (no patient, AppRecs, unmapped payloads).
 */
export class MessageListService {
  private readonly archive: RawArchiveRepository;

  constructor(ctx: OpsContext) {
    this.archive = new RawArchiveRepository(ctx.dataSource);
  }

  async list(kommunenummer: string, options: { msgId?: string; limit?: number } = {}): Promise<MessageListEntry[]> {
    const rows = await this.archive.list(kommunenummer, { msgId: options.msgId, limit: options.limit ?? 100 });
    return rows.map((r) => {
      const { msgId, senderHerId } = splitMessageKey(r.messageKey);
      return {
        msgId,
        senderHerId,
        msgType: r.msgType,
        hasPatient: r.hasPatient,
        receivedAt: new Date(r.receivedAt).toISOString(),
        sha256: r.sha256,
        sizeBytes: Number(r.sizeBytes),
        binaryId: r.binaryId,
        hubMessageId: r.hubMessageId,
      };
    });
  }
}
