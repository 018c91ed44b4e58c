import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Principal } from '@hub/auth';
import { ArchivedMessage, AuditLogRepository, ProjectionStateRepository, RawArchiveRepository, READ_MODEL_PROJECTION, ReadModelQueryRepository } from '@hub/persistence';
import { AuditWriter } from '@hub/platform';

export interface OriginalMessageQuery {
  kommunenummer: string;
  /** `Binary/{id}` id: the MsgId itself, or its hash for MsgIds that are not FHIR ids. */
  originalId: string;
  principal: Principal;
  purposeOfUse: string;
}

export interface OriginalMessageResult {
  message: ArchivedMessage | undefined;
  /** The message's patient has blocked sharing (sperring): `message` is then undefined. */
  blocked: boolean;
  auditId: string;
}

/**
 * The original message exactly as received, by its id, from the kommune that holds it. Like
 * every patient read it is audited (action READ_ORIGINAL, the message's patient pseudonym)
 * before anything is returned, also when nothing is found.
 */
@Injectable()
export class OriginalMessageService {
  constructor(
    private readonly audit: AuditWriter,
    private readonly archive: RawArchiveRepository,
    private readonly blocks: AuditLogRepository,
    private readonly state: ProjectionStateRepository,
    private readonly queries: ReadModelQueryRepository,
  ) {}

  async read(query: OriginalMessageQuery): Promise<OriginalMessageResult> {
    const message = await this.archive.findByBinaryId(query.kommunenummer, query.originalId);
    const blocked = message?.patientPseudonym ? await this.isBlocked(query.kommunenummer, message.patientPseudonym) : false;
    const auditId = await this.audit.record({
      kommunenummer: query.kommunenummer,
      action: 'READ_ORIGINAL',
      resource: 'Binary',
      patientPseudonym: message?.patientPseudonym ?? null,
      principal: query.principal,
      purposeOfUse: query.purposeOfUse,
      outcome: blocked ? 'BLOCKED' : message ? 'SUCCESS' : 'NOT_FOUND',
      correlationId: message?.hubMessageId ?? randomUUID(),
    });
    return { message: blocked ? undefined : message, blocked, auditId };
  }

  /** A block on any linked identity of the message's patient covers the original too. */
  private async isBlocked(kommunenummer: string, pseudonym: string): Promise<boolean> {
    const schema = await this.state.activeSchema(READ_MODEL_PROJECTION);
    const group = await this.queries.linkedPseudonyms(schema, kommunenummer, [pseudonym]);
    return (await this.blocks.blockedAmong(kommunenummer, group.includes(pseudonym) ? group : [pseudonym, ...group])) !== undefined;
  }
}
