import { FHIR_CANONICAL_BASE } from './identifier-systems.constant';
import type { FhirResource } from './fhir-mapper';

/**
 * The topics (R5 Backport IG for R4: a Subscription's `criteria` is the canonical URL of a
 * SubscriptionTopic) a kommune can subscribe to. Only their canonical URLs for now: the topic
 * resources themselves, filters and delivery come with the rest of issue #14 part 2.
 */
export const SUBSCRIPTION_TOPICS = {
  patientRecordChanged: `${FHIR_CANONICAL_BASE}/SubscriptionTopic/patient-record-changed`,
  messageReceived: `${FHIR_CANONICAL_BASE}/SubscriptionTopic/message-received`,
} as const;
const TOPIC_URLS: readonly string[] = Object.values(SUBSCRIPTION_TOPICS);

export interface SubscriptionRequest {
  topic: string;
  reason: string;
  endpoint: string;
  end?: string;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ALLOWED = new Set(['resourceType', 'id', 'meta', 'status', 'reason', 'criteria', 'channel', 'end']);

/**
 * What a client may ask for in a Subscription create: a known topic as `criteria`, a `reason`,
 * the `rest-hook` channel to an https endpoint (http only to localhost, for development) with
 * `application/fhir+json` payloads, and optionally an `end`. Anything the hub would not honour
 * (a filter, channel headers, another channel type, unknown elements) is refused rather than
 * ignored. Answers name the element, never its value.
 */
export function readSubscriptionRequest(body: unknown): { request?: SubscriptionRequest; error?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { error: 'The body must be a Subscription resource' };
  const s = body as Record<string, unknown>;
  if (s.resourceType !== 'Subscription') return { error: 'resourceType must be Subscription' };
  const unknown = Object.keys(s).find((k) => !ALLOWED.has(k));
  if (unknown !== undefined) return { error: `Element ${unknown.startsWith('_') ? '_criteria or another extension' : 'at position ' + (Object.keys(s).indexOf(unknown) + 1)} is not supported yet (no filters, no extensions)` };
  if (typeof s.criteria !== 'string' || !TOPIC_URLS.includes(s.criteria)) return { error: `criteria must be the canonical URL of a topic the hub offers: ${TOPIC_URLS.join(', ')}` };
  if (typeof s.reason !== 'string' || !s.reason.trim() || s.reason.length > 1000) return { error: 'reason is required (a string of at most 1000 characters)' };
  if (s.end !== undefined && (typeof s.end !== 'string' || !INSTANT.test(s.end))) return { error: 'end must be a FHIR instant' };
  const channel = s.channel as Record<string, unknown> | undefined;
  if (typeof channel !== 'object' || channel === null || Array.isArray(channel)) return { error: 'channel is required' };
  const channelUnknown = Object.keys(channel).find((k) => !['type', 'endpoint', 'payload'].includes(k));
  if (channelUnknown !== undefined) return { error: 'channel may only have type, endpoint and payload (no headers yet)' };
  if (channel.type !== 'rest-hook') return { error: 'channel.type must be rest-hook' };
  if (channel.payload !== undefined && channel.payload !== 'application/fhir+json') return { error: 'channel.payload must be application/fhir+json' };
  if (typeof channel.endpoint !== 'string' || !isAllowedEndpoint(channel.endpoint)) return { error: 'channel.endpoint must be an https URL (http only to localhost)' };
  return { request: { topic: s.criteria, reason: s.reason.trim(), endpoint: channel.endpoint, ...(typeof s.end === 'string' ? { end: s.end } : {}) } };
}

function isAllowedEndpoint(value: string): boolean {
  if (value.length > 2048) return false;
  try {
    const url = new URL(value);
    if (url.username || url.password) return false;
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
  } catch {
    return false;
  }
}

/**
 * The Subscription as the hub stores and answers it. Its status stays `requested`: the hub does
 * not deliver notifications yet (no handshake, heartbeat or rest-hook delivery), so it never
 * claims `active`.
 */
export function subscriptionResource(id: string, request: SubscriptionRequest, created: Date): FhirResource {
  return {
    resourceType: 'Subscription',
    id,
    meta: { lastUpdated: created.toISOString() },
    status: 'requested',
    ...(request.end ? { end: request.end } : {}),
    reason: request.reason,
    criteria: request.topic,
    channel: { type: 'rest-hook', endpoint: request.endpoint, payload: 'application/fhir+json' },
  };
}
