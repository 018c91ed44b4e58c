import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@hub/auth';
import type { HubConfig } from '@hub/config';
import { patientPseudonym } from '@hub/contracts';
import { checkEndpoint, FhirResource, readSubscriptionRequest, searchsetBundle, statusSearchBundle, subscriptionResource, subscriptionStatusParameters, withStatus } from '@hub/fhir';
import { FhirSubscriptionRepository, StoredSubscription } from '@hub/persistence';
import { EdgeException, EdgeExceptionCode, HUB_CONFIG, parsePatientIdentifierToken } from '@hub/platform';
import { ReadApiException, ReadApiExceptionCode } from './read-api.exception';
import { DeliverableSubscription, SubscriptionNotificationService } from './subscription-notification.service';

/** At most this many events in one `$events` answer. */
export const MAX_EVENTS_PER_QUERY = 100;

/**
 * FHIR Subscriptions (topic-based, R5 Backport IG for R4), per kommune and owning client:
 * create, read, search, delete, `$status` and `$events`, persisted in PostgreSQL. A
 * Subscription is `requested` until the notifier's handshake succeeds (then `active`), `error`
 * after its retries ran out, `off` after its `end` (libs/feature-notifier delivers).
 */
@Injectable()
export class SubscriptionService {
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly subscriptions: FhirSubscriptionRepository,
    private readonly notifications: SubscriptionNotificationService,
  ) {}

  private base(kommunenummer: string): string {
    return `${this.config.publicBaseUrl}/fhir/${kommunenummer}`;
  }

  /** `purposeOfUse`: the purpose every notification's read is audited with (checked by the edge). */
  async create(kommunenummer: string, principal: Principal, purposeOfUse: string, body: unknown): Promise<{ resource: FhirResource; location: string }> {
    requirePatientsRead(principal);
    const { request, error } = readSubscriptionRequest(body);
    if (!request) throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, error ?? 'Not a Subscription');
    const endpoint = checkEndpoint(request.endpoint, this.config.notifier);
    if (!endpoint.url) throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, endpoint.error ?? 'channel.endpoint is not allowed');
    const identifier = parsePatientIdentifierToken(request.patientIdentifierToken);
    const id = randomUUID();
    const resource = subscriptionResource(id, request, new Date());
    await this.subscriptions.create({
      id, kommunenummer, clientId: principal.clientId, topic: request.topic, resource,
      delivery: {
        filterPseudonym: patientPseudonym(this.config.pseudonymKey, kommunenummer, identifier.type, identifier.value),
        patientIdentifier: `${identifier.system}|${identifier.value}`,
        resourceTypes: request.resourceTypes,
        content: request.content,
        endpoint: request.endpoint,
        heartbeatSeconds: request.heartbeatSeconds ?? null,
        timeoutSeconds: request.timeoutSeconds ?? null,
        purposeOfUse,
        organisation: principal.organisation ?? null,
        endsAt: request.end ?? null,
      },
    });
    return { resource, location: `${this.base(kommunenummer)}/Subscription/${id}` };
  }

  async read(kommunenummer: string, clientId: string, id: string): Promise<FhirResource> {
    return answered(await this.found(kommunenummer, clientId, id));
  }

  async search(kommunenummer: string, clientId: string): Promise<FhirResource> {
    const base = this.base(kommunenummer);
    const found = (await this.subscriptions.list(kommunenummer, clientId)).map(answered);
    return searchsetBundle(found, found.length, base, [{ relation: 'self', url: `${base}/Subscription` }]);
  }

  async delete(kommunenummer: string, clientId: string, id: string): Promise<void> {
    if (!(await this.subscriptions.delete(kommunenummer, clientId, id))) throw new ReadApiException(ReadApiExceptionCode.NOT_FOUND, 'No Subscription with this id for this client in this kommune');
  }

  /**
   * An update may change only the status, and only to `requested` (start again: a handshake,
   * then everything not delivered yet, in order) or `off` (stop). For another topic, filter or
   * channel: delete and create.
   */
  async update(kommunenummer: string, clientId: string, id: string, body: unknown): Promise<FhirResource> {
    const stored = await this.found(kommunenummer, clientId, id);
    // What a client read back may carry the hub's `error`; it is the hub's to set, not compared.
    const { error: _error, ...sent } = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
    const { request, error } = readSubscriptionRequest(Array.isArray(body) ? body : sent);
    if (!request) throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, error ?? 'Not a Subscription');
    const status = sent.status;
    if (sent.id !== id) throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, 'The body\'s id must be the id in the URL');
    if (status !== 'requested' && status !== 'off') throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, 'status may only be set to requested (start again) or off (stop)');
    const asStored = stored.resource as FhirResource;
    const asSent = subscriptionResource(id, request, new Date(String((asStored.meta as { lastUpdated?: string } | undefined)?.lastUpdated)));
    if (!isDeepStrictEqual(asSent, asStored)) throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, 'Only status may change; for another topic, filter or channel delete this Subscription and create one');
    await this.subscriptions.setStatus(kommunenummer, clientId, id, status);
    return withStatus(asStored, status);
  }

  /** `$status`: a searchset Bundle with the SubscriptionStatus (query-status); no health data. */
  async status(kommunenummer: string, clientId: string, id: string): Promise<FhirResource> {
    const s = await this.found(kommunenummer, clientId, id);
    return statusSearchBundle(
      [
      subscriptionStatusParameters({
        base: this.base(kommunenummer), subscriptionId: s.id, topic: s.topic, status: s.status ?? 'requested', type: 'query-status',
        eventsSinceSubscriptionStart: s.eventsSinceStart ?? '0', ...(s.status === 'error' && s.lastError ? { error: s.lastError } : {}),
      }),
      ],
      `${this.base(kommunenummer)}/Subscription/${s.id}/$status`,
    );
  }

  /**
   * `$events`: the events numbered `eventsSinceNumber` to `eventsUntilNumber` (at most
   * MAX_EVENTS_PER_QUERY), as a history Bundle of type query-event, with the content asked for
   * (default the Subscription's). A read of the patient's record: audited, refused when blocked.
   * Events whose message the read model does not hold yet are left out (ask again).
   */
  async events(kommunenummer: string, principal: Principal, id: string, query: { since?: string; until?: string; content?: string }): Promise<{ resource: FhirResource; auditId?: string }> {
    requirePatientsRead(principal);
    const s = await this.found(kommunenummer, principal.clientId, id);
    if (!s.delivery) throw new ReadApiException(ReadApiExceptionCode.NOT_FOUND, 'This Subscription has no events (created before delivery existed)');
    const events = await this.subscriptions.events(s.id, query.since ?? '1', query.until, MAX_EVENTS_PER_QUERY);
    const content = query.content ?? s.delivery.content;
    const answer = await this.notifications.events(s as DeliverableSubscription, events, 'query-event', content, s.status, true);
    if (answer.blocked) throw new ReadApiException(ReadApiExceptionCode.RECORD_BLOCKED, 'Record blocked', { metadata: { auditId: answer.auditId ?? null } });
    return { resource: answer.bundle!, auditId: answer.auditId };
  }

  private async found(kommunenummer: string, clientId: string, id: string): Promise<StoredSubscription> {
    const found = await this.subscriptions.find(kommunenummer, clientId, id);
    if (!found) throw new ReadApiException(ReadApiExceptionCode.NOT_FOUND, 'No Subscription with this id for this client in this kommune');
    return found;
  }
}

/**
 * Notifications and `$events` are reads of the patient's record: the client needs the read
 * scope as well as subscriptions:write (the guard checks the latter).
 */
function requirePatientsRead(principal: Principal): void {
  if (!principal.scopes.has('patients:read')) throw new ReadApiException(ReadApiExceptionCode.SCOPE_REQUIRED, 'Token lacks scope patients:read (notifications are reads of the patient\'s record)');
}

const answered = (s: StoredSubscription): FhirResource => withStatus(s.resource as FhirResource, s.status ?? 'requested', s.lastError);
