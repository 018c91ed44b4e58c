import { randomUUID } from 'node:crypto';
import type { FhirResource } from './fhir-mapper';

/** The notification types of the Backport IG (SubscriptionStatus `type`). */
export type NotificationType = 'handshake' | 'heartbeat' | 'event-notification' | 'query-status' | 'query-event';

/** One event of a notification: its number in the subscription, when it happened, what it is about. */
export interface NotificationEvent {
  eventNumber: string;
  timestamp: string;
  /** Reference (absolute URL) of the event's focus. */
  focus?: string;
  /** Further references that help the receiver (the original message, the changed resources). */
  additionalContext?: string[];
}

export interface SubscriptionStatusInput {
  /** The FHIR base of the kommune, as clients reach it. */
  base: string;
  subscriptionId: string;
  topic: string;
  status: string;
  type: NotificationType;
  eventsSinceSubscriptionStart: string;
  events?: NotificationEvent[];
  error?: string;
}

/**
 * The SubscriptionStatus of the R4 Backport IG: a Parameters resource (profile
 * backport-subscription-status-r4, whose parameter names and types these are: int64 counters as
 * valueString, as R4 has no integer64). Not the profile's URL in meta: the IG's package is not
 * available to the hub's validator (see libs/feature-notifier/README.md).
 */
export function subscriptionStatusParameters(input: SubscriptionStatusInput): FhirResource {
  return {
    resourceType: 'Parameters',
    id: randomUUID(),
    parameter: [
      { name: 'subscription', valueReference: { reference: `${input.base}/Subscription/${input.subscriptionId}` } },
      { name: 'topic', valueCanonical: input.topic },
      { name: 'status', valueCode: input.status },
      { name: 'type', valueCode: input.type },
      { name: 'events-since-subscription-start', valueString: input.eventsSinceSubscriptionStart },
      ...(input.events ?? []).map((event) => ({
        name: 'notification-event',
        part: [
          { name: 'event-number', valueString: event.eventNumber },
          { name: 'timestamp', valueInstant: event.timestamp },
          ...(event.focus ? [{ name: 'focus', valueReference: { reference: event.focus } }] : []),
          ...(event.additionalContext ?? []).map((reference) => ({ name: 'additional-context', valueReference: { reference } })),
        ],
      })),
      ...(input.error ? [{ name: 'error', valueCodeableConcept: { text: input.error } }] : []),
    ],
  };
}

/** An entry of a notification besides the status: a resource reference, with the resource for full-resource. */
export interface NotificationEntry {
  /** `Type/id` of the resource. */
  reference: string;
  resource?: FhirResource;
}

/**
 * A notification Bundle (R4 Backport IG, profile backport-subscription-notification-r4): type
 * history, the SubscriptionStatus first (as the answer of a GET of `$status`), then one entry per
 * resource the events name: with the resource for `full-resource`, only its fullUrl and request
 * for `id-only`, none for `empty`.
 */
export function notificationBundle(input: SubscriptionStatusInput, entries: NotificationEntry[] = [], now = new Date()): FhirResource {
  const status = subscriptionStatusParameters(input);
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: now.toISOString() },
    type: 'history',
    timestamp: now.toISOString(),
    entry: [
      {
        fullUrl: `urn:uuid:${status.id as string}`,
        resource: status,
        request: { method: 'GET', url: `Subscription/${input.subscriptionId}/$status` },
        response: { status: '200' },
      },
      ...entries.map((e) => ({
        fullUrl: `${input.base}/${e.reference}`,
        ...(e.resource ? { resource: e.resource } : {}),
        request: { method: 'PUT', url: e.reference },
        response: { status: '200' },
      })),
    ],
  };
}

/** The answer of `$status` (at `selfUrl`): a searchset Bundle of the SubscriptionStatus of each asked Subscription. */
export function statusSearchBundle(statuses: FhirResource[], selfUrl: string, now = new Date()): FhirResource {
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: now.toISOString() },
    type: 'searchset',
    total: statuses.length,
    link: [{ relation: 'self', url: selfUrl }],
    entry: statuses.map((resource) => ({ fullUrl: `urn:uuid:${resource.id as string}`, resource, search: { mode: 'match' } })),
  };
}
