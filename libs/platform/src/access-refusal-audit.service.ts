import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { Principal, RateLimiter } from '@hub/auth';
import type { HubConfig } from '@hub/config';
import { AuditRecord, AvroCodec, patientPseudonym, TopicNames } from '@hub/contracts';
import { KommuneDirectory } from '@hub/directory';
import { HubLogger, HubMetrics } from '@hub/observability';
import { PatientIdentifier, requestedPatient } from './patient-identifier.util';
import { HUB_CONFIG } from './platform.tokens';
import { SharedProducer } from './shared-producer.service';

/** Why the guard refused a request: a closed set (these are audit values and metric labels). */
export type RefusalReason = 'missing_token' | 'invalid_token' | 'invalid_dpop_proof' | 'insufficient_scope' | 'forbidden_kommune' | 'purpose_of_use_required' | 'security_level';

/** One refused access, as recorded. */
export interface AccessDenial {
  /** Method and route template (`POST /v1/messages`), never the path as sent. */
  route: string;
  status: 401 | 403;
  reason: RefusalReason;
  /** The verified client, when there was one. */
  principal?: Principal;
  /** The kommuner whose audit topics get the record (those the hub serves; others are only logged). */
  kommuner: readonly string[];
  /** The patient the refused request named: recorded as the kommune's pseudonym, so it shows in that patient's access log. */
  patient?: Pick<PatientIdentifier, 'type' | 'value'>;
}

/** At most this many audit events per second (burst ×4) per kommune for requests without a valid token. */
const UNAUTHENTICATED_AUDITS_PER_SECOND = 5;

/**
 * Records every refused access (401, 403): as an AuditEvent with outcome DENIED on the audit
 * topic of each kommune the refusal concerns that the hub serves (the route's `:kommunenummer`,
 * or intake's message kommuner), and always as a log line and the
 * `hendelseslager_access_refused_total` counter. Who: the verified client (with the person, when
 * the token names one), or "unauthenticated"; what: method and route template; why: a reason
 * code. When a verified client's refused request names a patient validly, the record carries
 * the patient's pseudonym for that kommune (never the identifier), so the patient's access log
 * shows the attempt; a request without a valid token never names a patient in the trail (anyone
 * could otherwise fill a stranger's access log). Refusals without a valid token are audited at
 * a bounded rate per kommune (beyond it they are counted only). The refusal is answered without
 * waiting for the write (it discloses nothing, and an unreachable Kafka must not make every 401
 * slow), and a failed write never changes it.
 */
@Injectable()
export class AccessRefusalAudit {
  private readonly log = new HubLogger('AccessRefused');
  private readonly unauthenticated = new RateLimiter(UNAUTHENTICATED_AUDITS_PER_SECOND, UNAUTHENTICATED_AUDITS_PER_SECOND * 4);

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly codec: AvroCodec,
    private readonly producer: SharedProducer,
    private readonly directory: KommuneDirectory,
    private readonly metrics: HubMetrics,
    private readonly topics: TopicNames,
  ) {}

  /**
   * Records a refusal of this request (route, its kommune, the patient it names) in the
   * background; never throws. The kommune is the route's `:kommunenummer` unless given (the web
   * page's reads are for the signed-in person's kommune).
   */
  record(request: Request, status: 401 | 403, reason: RefusalReason, principal?: Principal, kommunenummer: unknown = request.params?.kommunenummer): void {
    const knr = kommunenummer;
    this.recordDenial({
      route: `${request.method} ${routeTemplate(request)}`,
      status,
      reason,
      principal,
      kommuner: typeof knr === 'string' ? [knr] : [],
      patient: principal ? requestedPatient(request) : undefined,
    });
  }

  /** Records a refusal decided away from the request (intake's 403 for a message's kommuner) in the background; never throws. */
  recordDenial(denial: AccessDenial): void {
    void this.write(denial).catch(() => this.metrics.auditWrites.inc({ result: 'failed' }));
  }

  private async write({ route, status, reason, principal, kommuner, patient }: AccessDenial): Promise<void> {
    const clientId = principal?.clientId ?? 'unauthenticated';
    this.metrics.accessRefused.inc({ status: String(status), reason });
    this.log.warn('Access refused', { status, reason, route, clientId });
    const served = [...new Set(kommuner)].filter((knr) => /^\d{4}$/.test(knr) && this.directory.has(knr));
    const batches = [];
    for (const knr of served) {
      if (!principal && this.unauthenticated.take(knr) > 0) continue;
      const pseudonym = patient && principal ? patientPseudonym(this.config.pseudonymKey, knr, patient.type, patient.value) : null;
      const record: AuditRecord = {
        auditId: randomUUID(),
        kommunenummer: knr,
        occurredAt: Date.now(),
        action: 'ACCESS',
        resource: route,
        patientPseudonym: pseudonym,
        clientId,
        organisation: principal?.organisation ?? null,
        actorHpr: principal?.hpr ?? null,
        actorName: principal?.actorName ?? null,
        purposeOfUse: null,
        outcome: 'DENIED',
        correlationId: randomUUID(),
        refusalReason: reason,
      };
      const topic = this.topics.audit(knr);
      // Keyed like every audit event: by the patient's pseudonym when there is one (one patient's events stay in order).
      batches.push({ topic, records: [{ key: pseudonym ?? `client:${clientId}`, value: await this.codec.encode(topic, record) }] });
    }
    if (batches.length === 0) return;
    await this.producer.sendMany(batches);
    this.metrics.auditWrites.inc({ result: 'ok' }, batches.length);
  }
}

/** The matched route's template (`/fhir/:kommunenummer/...`), never the path as sent: it may carry anything. */
function routeTemplate(request: Request): string {
  const path = (request.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${request.baseUrl ?? ''}${path}` : '(unmatched)';
}
