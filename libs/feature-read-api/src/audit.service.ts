import { ReadApiException, ReadApiExceptionCode } from './read-api.exception';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditAction, AuditOutcome, AuditRecord, AvroCodec, TopicNames } from '@hub/contracts';
import type { Principal } from '@hub/auth';
import { HubMetrics } from '@hub/observability';
import { SharedProducer } from '@hub/platform';

export interface AuditEntry {
  kommunenummer: string;
  action: AuditAction;
  resource: string;
  patientPseudonym: string | null;
  principal: Principal;
  purposeOfUse: string | null;
  outcome: AuditOutcome;
  correlationId: string;
}

/** Thrown when the audit record could not be made durable: the read must then fail. */
export class AuditUnavailableException extends ReadApiException {
  constructor(message: string) {
    super(ReadApiExceptionCode.AUDIT_UNAVAILABLE, message);
  }
}

/**
 * Writes one audit event per patient read to the kommune's audit topic (acks=all) and returns
 * only when it is durable. Callers send their answer after this resolves, never before.
 */
@Injectable()
export class AuditService {
  constructor(private readonly codec: AvroCodec, private readonly producer: SharedProducer, private readonly metrics: HubMetrics, private readonly topics: TopicNames) {}

  /** Writes the audit event and returns its id once it is durable. */
  async record(entry: AuditEntry): Promise<string> {
    return (await this.recordEvent(entry)).auditId;
  }

  /** Writes the audit event and returns it as written (its id and time), once it is durable. */
  async recordEvent(entry: AuditEntry): Promise<AuditRecord> {
    const auditId = randomUUID();
    const record: AuditRecord = {
      auditId,
      kommunenummer: entry.kommunenummer,
      occurredAt: Date.now(),
      action: entry.action,
      resource: entry.resource,
      patientPseudonym: entry.patientPseudonym,
      clientId: entry.principal.clientId,
      organisation: entry.principal.organisation ?? null,
      actorHpr: entry.principal.hpr ?? null,
      actorName: entry.principal.actorName ?? null,
      purposeOfUse: entry.purposeOfUse,
      outcome: entry.outcome,
      correlationId: entry.correlationId,
    };
    try {
      const topic = this.topics.audit(entry.kommunenummer);
      const value = await this.codec.encode(topic, record);
      await this.producer.sendMany([{ topic, records: [{ key: entry.patientPseudonym ?? `client:${entry.principal.clientId}`, value }] }]);
      this.metrics.auditWrites.inc({ result: 'ok' });
      return record;
    } catch (error) {
      this.metrics.auditWrites.inc({ result: 'failed' });
      throw new AuditUnavailableException(`Audit log unavailable: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
