import { SUBSCRIPTION_TOPICS } from './subscription';
import { notificationBundle, statusSearchBundle, subscriptionStatusParameters } from './subscription-notification';

/**
 * The R4 Backport IG's notification shapes (STU 1.1): SubscriptionStatus as a Parameters resource
 * (profile backport-subscription-status-r4) and the notification Bundle (profile
 * backport-subscription-notification-r4). toStrictEqual throughout: an extra, empty or undefined
 * part is a different resource to a receiver's parser.
 */
const base = 'https://hub.example/fhir/0301';
const input = { base, subscriptionId: 's-1', topic: SUBSCRIPTION_TOPICS.patientRecordChanged, status: 'active', type: 'event-notification' as const, eventsSinceSubscriptionStart: '12' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('subscriptionStatusParameters', () => {
  it('a heartbeat: the subscription (absolute reference), topic, status, type and the event counter, nothing else', () => {
    const status = subscriptionStatusParameters({ ...input, type: 'heartbeat' });
    expect(status.id).toMatch(UUID);
    expect(status).toStrictEqual({
      resourceType: 'Parameters',
      id: status.id,
      parameter: [
        { name: 'subscription', valueReference: { reference: 'https://hub.example/fhir/0301/Subscription/s-1' } },
        { name: 'topic', valueCanonical: 'http://hendelseslager.example/fhir/SubscriptionTopic/patient-record-changed' },
        { name: 'status', valueCode: 'active' },
        { name: 'type', valueCode: 'heartbeat' },
        { name: 'events-since-subscription-start', valueString: '12' },
      ],
    });
  });

  it('one notification-event per event, in order: event-number (string: int64), timestamp, then focus and additional-context only when given', () => {
    const status = subscriptionStatusParameters({
      ...input,
      events: [
        { eventNumber: '11', timestamp: '2026-01-01T00:00:00.000Z', focus: `${base}/Patient/p1`, additionalContext: [`${base}/Binary/m1`, `${base}/Condition/c1`] },
        { eventNumber: '12', timestamp: '2026-01-01T00:00:01.000Z' },
        { eventNumber: '13', timestamp: '2026-01-01T00:00:02.000Z', focus: '', additionalContext: [] },
      ],
    }) as Record<string, any>;
    expect(status.parameter.slice(5)).toStrictEqual([
      {
        name: 'notification-event',
        part: [
          { name: 'event-number', valueString: '11' },
          { name: 'timestamp', valueInstant: '2026-01-01T00:00:00.000Z' },
          { name: 'focus', valueReference: { reference: `${base}/Patient/p1` } },
          { name: 'additional-context', valueReference: { reference: `${base}/Binary/m1` } },
          { name: 'additional-context', valueReference: { reference: `${base}/Condition/c1` } },
        ],
      },
      { name: 'notification-event', part: [{ name: 'event-number', valueString: '12' }, { name: 'timestamp', valueInstant: '2026-01-01T00:00:01.000Z' }] },
      { name: 'notification-event', part: [{ name: 'event-number', valueString: '13' }, { name: 'timestamp', valueInstant: '2026-01-01T00:00:02.000Z' }] },
    ]);
  });

  it('an error is the last parameter (valueCodeableConcept with its text), and only when there is one', () => {
    const failed = subscriptionStatusParameters({ ...input, status: 'error', type: 'query-status', error: 'endpoint answered HTTP 503' }) as Record<string, any>;
    expect(failed.parameter).toHaveLength(6);
    expect(failed.parameter[5]).toStrictEqual({ name: 'error', valueCodeableConcept: { text: 'endpoint answered HTTP 503' } });
    expect((subscriptionStatusParameters({ ...input, error: '' }) as Record<string, any>).parameter).toHaveLength(5);
  });

  it('a new id for each status', () => {
    expect(subscriptionStatusParameters(input).id).not.toBe(subscriptionStatusParameters(input).id);
  });
});

describe('notificationBundle', () => {
  const now = new Date('2026-03-01T12:00:00.000Z');

  it('a history Bundle stamped now, the SubscriptionStatus first as the answer of GET Subscription/<id>/$status', () => {
    const bundle = notificationBundle({ ...input, type: 'handshake', eventsSinceSubscriptionStart: '0' }, [], now) as Record<string, any>;
    expect(bundle.id).toMatch(UUID);
    const status = bundle.entry[0].resource;
    expect(status.id).not.toBe(bundle.id);
    expect(bundle).toStrictEqual({
      resourceType: 'Bundle',
      id: bundle.id,
      meta: { lastUpdated: '2026-03-01T12:00:00.000Z' },
      type: 'history',
      timestamp: '2026-03-01T12:00:00.000Z',
      entry: [
        {
          fullUrl: `urn:uuid:${status.id}`,
          resource: status,
          request: { method: 'GET', url: 'Subscription/s-1/$status' },
          response: { status: '200' },
        },
      ],
    });
    expect(status.parameter.map((p: { name: string }) => p.name)).toStrictEqual(['subscription', 'topic', 'status', 'type', 'events-since-subscription-start']);
    expect(status.parameter[3]).toStrictEqual({ name: 'type', valueCode: 'handshake' });
  });

  it('then one entry per resource, at its absolute URL: with the resource (full-resource) or without (id-only)', () => {
    const bundle = notificationBundle(
      { ...input, events: [{ eventNumber: '12', timestamp: '2026-01-01T00:00:00.000Z', focus: `${base}/Condition/c1` }] },
      [{ reference: 'Condition/c1', resource: { resourceType: 'Condition', id: 'c1' } }, { reference: 'Encounter/e1' }],
      now,
    ) as Record<string, any>;
    expect(bundle.entry.slice(1)).toStrictEqual([
      { fullUrl: `${base}/Condition/c1`, resource: { resourceType: 'Condition', id: 'c1' }, request: { method: 'PUT', url: 'Condition/c1' }, response: { status: '200' } },
      { fullUrl: `${base}/Encounter/e1`, request: { method: 'PUT', url: 'Encounter/e1' }, response: { status: '200' } },
    ]);
    expect(bundle.entry[0].resource.parameter[5].part[2]).toStrictEqual({ name: 'focus', valueReference: { reference: `${base}/Condition/c1` } });
  });

  it('stamps the current time when none is given', () => {
    const before = Date.now();
    const bundle = notificationBundle(input) as Record<string, any>;
    const stamped = Date.parse(bundle.timestamp);
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(Date.now());
    expect(bundle.meta).toStrictEqual({ lastUpdated: bundle.timestamp });
  });
});

describe('statusSearchBundle ($status)', () => {
  it('a searchset of the asked statuses with their count, a self link and match entries at urn:uuid', () => {
    const now = new Date('2026-03-01T12:00:00.000Z');
    const a = subscriptionStatusParameters({ ...input, type: 'query-status' });
    const b = subscriptionStatusParameters({ ...input, subscriptionId: 's-2', type: 'query-status', status: 'off' });
    const self = `${base}/Subscription/$status?id=s-1,s-2`;
    const bundle = statusSearchBundle([a, b], self, now) as Record<string, any>;
    expect(bundle.id).toMatch(UUID);
    expect(bundle).toStrictEqual({
      resourceType: 'Bundle',
      id: bundle.id,
      meta: { lastUpdated: '2026-03-01T12:00:00.000Z' },
      type: 'searchset',
      total: 2,
      link: [{ relation: 'self', url: self }],
      entry: [
        { fullUrl: `urn:uuid:${a.id as string}`, resource: a, search: { mode: 'match' } },
        { fullUrl: `urn:uuid:${b.id as string}`, resource: b, search: { mode: 'match' } },
      ],
    });
  });

  it('an empty searchset when nothing matched', () => {
    const bundle = statusSearchBundle([], `${base}/Subscription/$status`) as Record<string, any>;
    expect([bundle.type, bundle.total, bundle.entry]).toStrictEqual(['searchset', 0, []]);
    expect(Date.parse(bundle.meta.lastUpdated)).not.toBeNaN();
  });
});
