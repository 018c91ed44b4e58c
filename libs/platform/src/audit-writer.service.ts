import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditAction, AuditOutcome, AuditRecord, AvroCodec, TopicNames } from '@hub/contracts';
import type { Principal } from '@hub/auth';
import { assertUnreachable, HubException } from '@hub/exceptions';
import { HubMetrics } from '@hub/observability';
import type { HttpAnswer } from './http-answer';
import { SharedProducer } from './shared-producer.service';

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

export enum AuditWriteExceptionCode {
  /** The audit record could not be made durable, so no patient data may be answered. */
  UNAVAILABLE = 'AUDIT_WRITE.UNAVAILABLE',
}

/** Thrown when the audit record could not be made durable: the read must then fail. */
export class AuditUnavailableException extends HubException<AuditWriteExceptionCode> {
  constructor(message: string) {
    super(AuditWriteExceptionCode.UNAVAILABLE, message);
  }
}

export const AUDIT_UNAVAILABLE_DETAIL = 'The audit log is unavailable, so no patient data can be read right now';

/**
 * The HTTP answer to an audit that could not be written (exhaustive: a new code fails to compile
 * here). The exception's own message names the cause; the answer says only what the client can do.
 */
export function auditWriteAnswer(error: AuditUnavailableException): HttpAnswer {
  switch (error.code) {
    case AuditWriteExceptionCode.UNAVAILABLE:
      return { status: 503, code: 'audit_unavailable', fhirIssue: 'transient', detail: AUDIT_UNAVAILABLE_DETAIL, headers: { 'Retry-After': '5' } };
    default:
      return assertUnreachable(error.code, 'audit write error code');
  }
}

/**
 * Writes one audit event per patient read to the kommune's audit topic (acks=all) and returns
 * only when it is durable. Callers send their answer after this resolves, never before. A shared
 * producer of the platform, beside SharedProducer, DeadLetterWriter and AccessRefusalAudit: the
 * read API and the audit feature both write with it.
 */
@Injectable()
export class AuditWriter {
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
