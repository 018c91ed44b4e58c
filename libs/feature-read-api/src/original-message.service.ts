import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Principal } from '@hub/auth';
import { ArchivedMessage, RawArchiveRepository } from '@hub/persistence';
import { AuditService } from './audit.service';

export interface OriginalMessageQuery {
  kommunenummer: string;
  /** `Binary/{id}` id: the MsgId itself, or its hash for MsgIds that are not FHIR ids. */
  originalId: string;
  principal: Principal;
  purposeOfUse: string;
}

export interface OriginalMessageResult {
  message: ArchivedMessage | undefined;
  auditId: string;
}

/**
 * The original message exactly as received, by its id, from the kommune that holds it. Like
 * every patient read it is audited (action READ_ORIGINAL, the message's patient pseudonym)
 * before anything is returned, also when nothing is found.
 */
@Injectable()
export class OriginalMessageService {
  private readonly archive: RawArchiveRepository;

  constructor(private readonly audit: AuditService, private readonly dataSource: DataSource) {
    this.archive = new RawArchiveRepository(dataSource);
  }

  async read(query: OriginalMessageQuery): Promise<OriginalMessageResult> {
    if (!this.dataSource.isInitialized) await this.dataSource.initialize();
    const message = await this.archive.findByBinaryId(query.kommunenummer, query.originalId);
    const auditId = await this.audit.record({
      kommunenummer: query.kommunenummer,
      action: 'READ_ORIGINAL',
      resource: 'Binary',
      patientPseudonym: message?.patientPseudonym ?? null,
      principal: query.principal,
      purposeOfUse: query.purposeOfUse,
      outcome: message ? 'SUCCESS' : 'NOT_FOUND',
      correlationId: message?.hubMessageId ?? randomUUID(),
    });
    return { message, auditId };
  }
}
