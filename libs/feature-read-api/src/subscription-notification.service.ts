import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@hub/auth';
import type { HubConfig } from '@hub/config';
import { FhirResource, NotificationEntry, NotificationEvent, notificationBundle, NotificationType, patientId, SUBSCRIPTION_TOPICS } from '@hub/fhir';
import type { StoredSubscription, SubscriptionEvent } from '@hub/persistence';
import { HUB_CONFIG, parsePatientIdentifierToken } from '@hub/platform';
import { originalMessageId } from '@hub/projections';
import { patientOf, resourcesFor } from './fhir-search';
import { PatientReadService } from './patient-read.service';

/** A Subscription that has what delivery needs (created with a filter and an endpoint). */
export type DeliverableSubscription = StoredSubscription & { delivery: NonNullable<StoredSubscription['delivery']>; eventsSinceStart: string; status: string };

export interface NotificationContent {
  /** The patient has blocked sharing (sperring): nothing about the events may be sent. */
  blocked: boolean;
  /** An event's message is not in the read model yet (the projector is behind): try again shortly. */
  notReady: boolean;
  bundle?: FhirResource;
  /** Audit id of the read this notification is (none when not ready before the read). */
  auditId?: string;
}

const ALL_TYPES = ['EpisodeOfCare', 'Condition', 'Encounter'] as const;

/**
 * The content of a Subscription's notifications (R4 Backport IG): the events, the resources
 * the events changed (`id-only`: references, `full-resource`: the resources as the FHIR API
 * serves them, `empty`: nothing) and the SubscriptionStatus. Each notification with events is
 * a read of the patient's record by the subscribing client with the purpose of use it gave at
 * subscription: audited like any read before it leaves (PatientReadService), and refused for a
 * patient who has blocked sharing. Used by the notifier (rest-hook) and by `$events`.
 */
@Injectable()
export class SubscriptionNotificationService {
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly reads: PatientReadService,
  ) {}

  base(kommunenummer: string): string {
    return `${this.config.publicBaseUrl}/fhir/${kommunenummer}`;
  }

  /** A handshake or heartbeat: no events, no health data. */
  signal(subscription: DeliverableSubscription, type: Extract<NotificationType, 'handshake' | 'heartbeat'>, status = subscription.status): FhirResource {
    return notificationBundle({
      base: this.base(subscription.kommunenummer), subscriptionId: subscription.id, topic: subscription.topic, status, type, eventsSinceSubscriptionStart: subscription.eventsSinceStart,
    });
  }

  /** The notification of these events (`event-notification`, or `query-event` for `$events`). */
  async events(
    subscription: DeliverableSubscription,
    events: SubscriptionEvent[],
    type: Extract<NotificationType, 'event-notification' | 'query-event'>,
    content: string = subscription.delivery.content,
    status = subscription.status,
    /** `$events`: leave out events whose message the read model does not hold yet, rather than answer not ready. */
    partial = false,
  ): Promise<NotificationContent> {
    const d = subscription.delivery;
    // Whether the read model holds every event's message yet (the notifier may number an event
    // before the projector has stored it): asked first and unaudited, so a notification that is
    // not ready costs no audited read of the record, and looking again soon is cheap.
    if (!partial) {
      const held = await this.reads.messagesHeld(subscription.kommunenummer, [...new Set(events.map((e) => e.msgKey))]);
      if (events.some((e) => !held.has(e.msgKey))) return { blocked: false, notReady: true };
    }
    const identifier = parsePatientIdentifierToken(d.patientIdentifier);
    const types = d.resourceTypes.length ? d.resourceTypes : [...ALL_TYPES];
    const principal: Principal = { clientId: subscription.clientId, scopes: new Set(['subscriptions:write']), kommuner: new Set([subscription.kommunenummer]), ...(d.organisation ? { organisation: d.organisation } : {}) };
    const result = await this.reads.read({
      kommunenummer: subscription.kommunenummer,
      identifier: { type: identifier.type, value: identifier.value },
      principal,
      purposeOfUse: d.purposeOfUse,
      action: 'READ',
      // What the notification may disclose: the Subscription it is for and the types it names.
      resource: `Subscription/${subscription.id}:${content === 'empty' ? 'none' : [...types, 'Patient'].join(',')}`,
    });
    if (result.blocked) return { blocked: true, notReady: false, auditId: result.auditId };
    const known = new Set(result.overview.messages.map((m) => m.msgId));
    if (!partial && events.some((e) => !known.has(e.msgKey))) return { blocked: false, notReady: true, auditId: result.auditId };
    if (partial) events = events.filter((e) => known.has(e.msgKey));
    const patient = { identifier: { system: identifier.system, value: identifier.value } };
    const patientResource = patientOf(result.overview, patient);
    const base = this.base(subscription.kommunenummer);
    const focus = `Patient/${(patientResource?.id as string | undefined) ?? patientId(d.filterPseudonym)}`;
    const mapped = types.flatMap((t) => resourcesFor(t as (typeof ALL_TYPES)[number], result.overview, patient));
    const entries = new Map<string, NotificationEntry>();
    const notificationEvents: NotificationEvent[] = events.map((event) => {
      const changed = mapped.filter((m) => m.sources.some((s) => s.msgId === event.msgKey)).map((m) => m.resource);
      for (const resource of changed) entries.set(`${resource.resourceType}/${resource.id as string}`, { reference: `${resource.resourceType}/${resource.id as string}`, resource });
      const context = [
        ...(subscription.topic === SUBSCRIPTION_TOPICS.messageReceived ? [`Binary/${originalMessageId(event.msgKey)}`] : []),
        ...changed.map((r) => `${r.resourceType}/${r.id as string}`),
      ];
      // Absolute references: they resolve to the Bundle's entries (fullUrl) and to the FHIR API alike.
      const absolute = context.map((r) => `${base}/${r}`);
      return { eventNumber: event.eventNumber, timestamp: event.occurredAt.toISOString(), ...(content === 'empty' ? {} : { focus: `${base}/${focus}`, ...(absolute.length ? { additionalContext: absolute } : {}) }) };
    });
    if (patientResource) entries.set(focus, { reference: focus, resource: patientResource });
    const listed = content === 'empty' ? [] : [...entries.values()].map((e) => (content === 'full-resource' ? e : { reference: e.reference }));
    const bundle = notificationBundle(
      { base, subscriptionId: subscription.id, topic: subscription.topic, status, type, eventsSinceSubscriptionStart: subscription.eventsSinceStart, events: notificationEvents },
      listed,
    );
    return { blocked: false, notReady: false, bundle, auditId: result.auditId };
  }
}
