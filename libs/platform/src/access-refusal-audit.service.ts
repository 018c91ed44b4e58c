import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { Principal, RateLimiter } from '@hub/auth';
import { AuditRecord, AvroCodec, TOPICS } from '@hub/contracts';
import { KommuneDirectory } from '@hub/directory';
import { HubLogger, HubMetrics } from '@hub/observability';
import { SharedProducer } from './shared-producer.service';

/** Why the guard refused a request: a closed set (these are audit values and metric labels). */
export type RefusalReason = 'missing_token' | 'invalid_token' | 'invalid_dpop_proof' | 'insufficient_scope' | 'forbidden_kommune' | 'purpose_of_use_required';

/** At most this many audit events per second (burst ×4) per kommune for requests without a valid token. */
const UNAUTHENTICATED_AUDITS_PER_SECOND = 5;

/**
 * Records every access the guard refuses (401, 403): as an AuditEvent with outcome DENIED on
 * the kommune's audit topic when the route names a kommune the hub serves (who: the verified
 * client, or "unauthenticated"; what: method and route template; why: a reason code), and always
 * as a log line and the `hendelseslager_access_refused_total` counter. The patient identifier a
 * refused request may carry is never recorded, in clear or otherwise. Refusals without a valid
 * token are audited at a bounded rate per kommune (anyone can send them; beyond the rate they are
 * counted only). The refusal is answered without waiting for the write (it discloses nothing, and
 * an unreachable Kafka must not make every 401 slow), and a failed write never changes it.
 */
@Injectable()
export class AccessRefusalAudit {
  private readonly log = new HubLogger('AccessRefused');
  private readonly unauthenticated = new RateLimiter(UNAUTHENTICATED_AUDITS_PER_SECOND, UNAUTHENTICATED_AUDITS_PER_SECOND * 4);

  constructor(private readonly codec: AvroCodec, private readonly producer: SharedProducer, private readonly directory: KommuneDirectory, private readonly metrics: HubMetrics) {}

  /** Records the refusal in the background; never throws. */
  record(request: Request, status: 401 | 403, reason: RefusalReason, principal?: Principal): void {
    void this.write(request, status, reason, principal).catch(() => this.metrics.auditWrites.inc({ result: 'failed' }));
  }

  private async write(request: Request, status: 401 | 403, reason: RefusalReason, principal?: Principal): Promise<void> {
    const route = `${request.method} ${routeTemplate(request)}`;
    const clientId = principal?.clientId ?? 'unauthenticated';
    this.metrics.accessRefused.inc({ status: String(status), reason });
    this.log.warn('Access refused', { status, reason, route, clientId });
    const knr = request.params?.kommunenummer;
    if (typeof knr !== 'string' || !/^\d{4}$/.test(knr) || !this.directory.has(knr)) return;
    if (!principal && this.unauthenticated.take(knr) > 0) return;
    const record: AuditRecord = {
      auditId: randomUUID(),
      kommunenummer: knr,
      occurredAt: Date.now(),
      action: 'ACCESS',
      resource: route,
      patientPseudonym: null,
      clientId,
      organisation: principal?.organisation ?? null,
      actorHpr: principal?.hpr ?? null,
      actorName: principal?.actorName ?? null,
      purposeOfUse: null,
      outcome: 'DENIED',
      correlationId: randomUUID(),
      refusalReason: reason,
    };
    const topic = TOPICS.audit(knr);
    await this.producer.sendMany([{ topic, records: [{ key: `client:${clientId}`, value: await this.codec.encode(topic, record) }] }]);
    this.metrics.auditWrites.inc({ result: 'ok' });
  }
}

/** The matched route's template (`/fhir/:kommunenummer/...`), never the path as sent: it may carry anything. */
function routeTemplate(request: Request): string {
  const path = (request.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${request.baseUrl ?? ''}${path}` : '(unmatched)';
}
