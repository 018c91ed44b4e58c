import { FHIR_CANONICAL_BASE } from './identifier-systems.constant';
import type { FhirResource } from './fhir-mapper';

/**
 * The topics (R5 Backport IG for R4: a Subscription's `criteria` is the canonical URL of a
 * SubscriptionTopic) a kommune can subscribe to:
 * - `patient-record-changed`: a message changed what the hub shows about the patient (services
 *   as EpisodeOfCare, diagnoses as Condition, stays as Encounter), filterable by resource type;
 * - `message-received`: a message about the patient was received (any document, its cancellation
 *   included).
 * Both are filtered by the patient's identifier (required: notifications carry health data and
 * are audited as reads of that patient, so the hub must know whose record it sends).
 */
export const SUBSCRIPTION_TOPICS = {
  patientRecordChanged: `${FHIR_CANONICAL_BASE}/SubscriptionTopic/patient-record-changed`,
  messageReceived: `${FHIR_CANONICAL_BASE}/SubscriptionTopic/message-received`,
} as const;
const TOPIC_URLS: readonly string[] = Object.values(SUBSCRIPTION_TOPICS);

/** The R4 Backport IG's extensions (http://hl7.org/fhir/uv/subscriptions-backport, STU 1.1). */
export const BACKPORT = {
  filterCriteria: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria',
  payloadContent: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content',
  heartbeatPeriod: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-heartbeat-period',
  timeout: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-timeout',
} as const;

/** The resource types a `patient-record-changed` filter may name. */
export const NOTIFIED_RESOURCE_TYPES = ['EpisodeOfCare', 'Condition', 'Encounter'] as const;
export type NotifiedResourceType = (typeof NOTIFIED_RESOURCE_TYPES)[number];

export type PayloadContent = 'empty' | 'id-only' | 'full-resource';
const CONTENTS: readonly string[] = ['empty', 'id-only', 'full-resource'];

export interface SubscriptionRequest {
  topic: string;
  reason: string;
  endpoint: string;
  end?: string;
  /** The filters as the client wrote them (answered back unchanged). */
  filterCriteria: string[];
  /** The patient every filter names, as a search token `system|value` (checked by the caller). */
  patientIdentifierToken: string;
  /** Resource types the filters name; empty: all of the topic's. */
  resourceTypes: NotifiedResourceType[];
  content: PayloadContent;
  /** Seconds between heartbeats when nothing else is sent; absent: no heartbeat. */
  heartbeatSeconds?: number;
  /** Seconds the hub waits for the endpoint's answer. */
  timeoutSeconds?: number;
}

/** FHIR R4's instant (its regex in the spec: real months, days, hours, minutes, zones to ±14:00). */
const INSTANT =
  /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$/;
const ALLOWED = new Set(['resourceType', 'id', 'meta', 'status', 'reason', 'criteria', '_criteria', 'channel', 'end']);
const FILTER_FORMAT = 'backport-filter-criteria must be a valueString [Type?]patient.identifier=system|value';
const FILTER = /^(?:([A-Za-z]+)\?)?patient\.identifier=([^&]+)$/;
const MAX_HEARTBEAT_SECONDS = 86_400;
const MAX_TIMEOUT_SECONDS = 60;

/**
 * What a client may ask for in a Subscription create (R4 Backport IG): a known topic as
 * `criteria`, at least one `backport-filter-criteria` naming the patient (`patient.identifier=
 * system|value`, for `patient-record-changed` optionally prefixed by a resource type), a `reason`,
 * the `rest-hook` channel with `application/fhir+json` payloads, `backport-payload-content`
 * (`empty`, `id-only` (default), `full-resource`), optionally `backport-heartbeat-period`,
 * `backport-timeout` and an `end`. The endpoint is checked against the hub's endpoint policy by
 * the caller. Anything the hub would not honour (channel headers, other channels, unknown
 * elements or extensions) is refused rather than ignored. Answers name the element, never its value.
 */
export function readSubscriptionRequest(body: unknown): { request?: SubscriptionRequest; error?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { error: 'The body must be a Subscription resource' };
  const s = body as Record<string, unknown>;
  if (s.resourceType !== 'Subscription') return { error: 'resourceType must be Subscription' };
  const unknown = Object.keys(s).find((k) => !ALLOWED.has(k));
  if (unknown !== undefined) return { error: `Element at position ${Object.keys(s).indexOf(unknown) + 1} is not supported (no contained resources, extensions only those of the Backport IG the hub names)` };
  if (typeof s.criteria !== 'string' || !TOPIC_URLS.includes(s.criteria)) return { error: `criteria must be the canonical URL of a topic the hub offers: ${TOPIC_URLS.join(', ')}` };
  if (typeof s.reason !== 'string' || !s.reason.trim() || s.reason.length > 1000) return { error: 'reason is required (a string of at most 1000 characters)' };
  if (s.end !== undefined && (typeof s.end !== 'string' || !INSTANT.test(s.end))) return { error: 'end must be a FHIR instant' };
  const filters = readExtensions(s._criteria, [BACKPORT.filterCriteria]);
  if (typeof filters === 'string') return { error: `_criteria: ${filters}` };
  const filter = readFilters(s.criteria, filters.map((e) => e.valueString));
  if (typeof filter === 'string') return { error: filter };
  const channel = s.channel as Record<string, unknown> | undefined;
  if (typeof channel !== 'object' || channel === null || Array.isArray(channel)) return { error: 'channel is required' };
  const channelUnknown = Object.keys(channel).find((k) => !['type', 'endpoint', 'payload', '_payload', 'extension'].includes(k));
  if (channelUnknown !== undefined) return { error: 'channel may only have type, endpoint, payload and the Backport IG extensions (no headers)' };
  if (channel.type !== 'rest-hook') return { error: 'channel.type must be rest-hook' };
  if (channel.payload !== 'application/fhir+json') return { error: 'channel.payload must be application/fhir+json' };
  if (typeof channel.endpoint !== 'string' || channel.endpoint.length > 2048) return { error: 'channel.endpoint must be a URL' };
  const payload = readExtensions(channel._payload, [BACKPORT.payloadContent]);
  if (typeof payload === 'string') return { error: `channel._payload: ${payload}` };
  const content = payload.length === 0 ? 'id-only' : payload[0].valueCode;
  if (payload.length > 1 || typeof content !== 'string' || !CONTENTS.includes(content)) return { error: `backport-payload-content must be one of ${CONTENTS.join(', ')}` };
  const channelExtensions = readExtensions(channel.extension === undefined ? undefined : { extension: channel.extension }, [BACKPORT.heartbeatPeriod, BACKPORT.timeout]);
  if (typeof channelExtensions === 'string') return { error: `channel.extension: ${channelExtensions}` };
  const seconds = (url: string, max: number): number | string | undefined => {
    const found = channelExtensions.filter((e) => e.url === url);
    if (found.length === 0) return undefined;
    const value = found[0].valueUnsignedInt;
    if (found.length > 1 || typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) return `${url.split('/').pop()} must be one valueUnsignedInt from 1 to ${max}`;
    return value;
  };
  const heartbeat = seconds(BACKPORT.heartbeatPeriod, MAX_HEARTBEAT_SECONDS);
  const timeout = seconds(BACKPORT.timeout, MAX_TIMEOUT_SECONDS);
  if (typeof heartbeat === 'string') return { error: heartbeat };
  if (typeof timeout === 'string') return { error: timeout };
  return {
    request: {
      topic: s.criteria,
      reason: s.reason.trim(),
      endpoint: channel.endpoint,
      ...(typeof s.end === 'string' ? { end: s.end } : {}),
      filterCriteria: filters.map((e) => e.valueString as string),
      patientIdentifierToken: filter.identifierToken,
      resourceTypes: filter.resourceTypes,
      content: content as PayloadContent,
      ...(heartbeat !== undefined ? { heartbeatSeconds: heartbeat } : {}),
      ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}),
    },
  };
}

type Extension = { url: string } & Record<string, unknown>;

/** The `extension` list of an element holding only extensions of the given URLs; an error text otherwise. */
function readExtensions(element: unknown, urls: string[]): Extension[] | string {
  if (element === undefined) return [];
  if (typeof element !== 'object' || element === null || Array.isArray(element)) return 'must be an element with extensions';
  const keys = Object.keys(element);
  if (keys.some((k) => k !== 'extension')) return 'may only have extensions';
  const list = (element as { extension?: unknown }).extension;
  if (!Array.isArray(list) || list.length > 20) return 'extension must be a list';
  for (const e of list) {
    if (typeof e !== 'object' || e === null || !urls.includes((e as Extension).url)) return `only the extensions ${urls.map((u) => u.split('/').pop()).join(', ')} are supported here`;
  }
  return list as Extension[];
}

function readFilters(topic: string, values: unknown[]): { identifierToken: string; resourceTypes: NotifiedResourceType[] } | string {
  if (values.length === 0) return 'A backport-filter-criteria naming the patient (patient.identifier=system|value) is required: notifications are reads of one patient\'s record';
  let identifierToken: string | undefined;
  const types = new Set<NotifiedResourceType>();
  let untyped = false;
  for (const value of values) {
    const match = typeof value === 'string' && value.length <= 512 ? FILTER.exec(value) : null;
    if (!match) return FILTER_FORMAT;
    const token = decoded(match[2]);
    if (token === undefined) return FILTER_FORMAT;
    if (identifierToken !== undefined && identifierToken !== token) return 'All filters of one Subscription must name the same patient';
    identifierToken = token;
    if (match[1] === undefined) untyped = true;
    else if (topic !== SUBSCRIPTION_TOPICS.patientRecordChanged || !(NOTIFIED_RESOURCE_TYPES as readonly string[]).includes(match[1])) {
      return `A filter's resource type must be one of ${NOTIFIED_RESOURCE_TYPES.join(', ')}, and only on the topic patient-record-changed`;
    } else types.add(match[1] as NotifiedResourceType);
  }
  return { identifierToken: identifierToken!, resourceTypes: untyped ? [] : [...types].sort() };
}

/** A search value's percent-decoding; undefined for a malformed encoding. */
function decoded(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

export type SubscriptionStatusCode = 'requested' | 'active' | 'error' | 'off';

/** The Subscription as the hub stores and answers it (its status as given). */
export function subscriptionResource(id: string, request: SubscriptionRequest, created: Date, status: SubscriptionStatusCode = 'requested'): FhirResource {
  const channelExtensions = [
    ...(request.heartbeatSeconds !== undefined ? [{ url: BACKPORT.heartbeatPeriod, valueUnsignedInt: request.heartbeatSeconds }] : []),
    ...(request.timeoutSeconds !== undefined ? [{ url: BACKPORT.timeout, valueUnsignedInt: request.timeoutSeconds }] : []),
  ];
  return {
    resourceType: 'Subscription',
    id,
    meta: { lastUpdated: created.toISOString() },
    status,
    ...(request.end ? { end: request.end } : {}),
    reason: request.reason,
    criteria: request.topic,
    _criteria: { extension: request.filterCriteria.map((valueString) => ({ url: BACKPORT.filterCriteria, valueString })) },
    channel: {
      ...(channelExtensions.length ? { extension: channelExtensions } : {}),
      type: 'rest-hook',
      endpoint: request.endpoint,
      payload: 'application/fhir+json',
      _payload: { extension: [{ url: BACKPORT.payloadContent, valueCode: request.content }] },
    },
  };
}

/** The stored Subscription with its current status (and the error that set it, if any). */
export function withStatus(resource: FhirResource, status: string, error?: string | null): FhirResource {
  return { ...resource, status, ...(status === 'error' && error ? { error } : {}) };
}
