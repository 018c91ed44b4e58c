import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { createDataSource } from '../../src/data-source.factory';
import { FhirSubscriptionRepository, MatchableEvent, StoredSubscription } from '../../src/fhir-subscription.repository';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

const RECEIVED = 'http://hendelseslager.example/fhir/SubscriptionTopic/message-received';
const CHANGED = 'http://hendelseslager.example/fhir/SubscriptionTopic/patient-record-changed';

/** Delivery state on the real PostgreSQL: matching and numbering with offsets, leases, retries. */
describe('FhirSubscriptionRepository delivery (PostgreSQL)', () => {
  let dataSource: DataSource;
  let repository: FhirSubscriptionRepository;
  const knr = `8${Math.floor(Math.random() * 900) + 100}`;
  const topicName = `hltest-delivery.kommune.${knr}.events.v1`;
  const subscription = (over: { topic?: string; pseudonym?: string; types?: string[]; endsAt?: string | null } = {}): StoredSubscription => {
    const id = randomUUID();
    return {
      id, kommunenummer: knr, clientId: 'epj', topic: over.topic ?? RECEIVED, resource: { resourceType: 'Subscription', id },
      delivery: {
        filterPseudonym: over.pseudonym ?? 'p1', patientIdentifier: 'urn:oid:2.16.578.1.12.4.1.4.1|x', resourceTypes: over.types ?? [], content: 'id-only',
        endpoint: 'https://epj.example.no/hook', heartbeatSeconds: null, timeoutSeconds: null, purposeOfUse: 'TREAT', organisation: null, endsAt: over.endsAt ?? null,
      },
    };
  };
  const event = (over: Partial<MatchableEvent> = {}): MatchableEvent => ({
    kommunenummer: knr, eventId: randomUUID(), msgKey: randomUUID(), eventType: 'DOCUMENT_RECEIVED', topics: [RECEIVED, CHANGED], pseudonyms: ['p1'], resourceTypes: ['Condition'],
    occurredAt: '2024-01-02T08:00:00Z', recordedAt: new Date(Date.now() + 1000), ...over,
  });

  beforeAll(async () => {
    dataSource = createDataSource(TEST_DATABASE_URL, { poolSize: 4 });
    await dataSource.initialize();
    repository = new FhirSubscriptionRepository(dataSource);
  });
  afterAll(async () => {
    await dataSource.query('DELETE FROM fhir_subscriptions WHERE kommunenummer = $1', [knr]);
    await dataSource.query('DELETE FROM notifier_offsets WHERE topic = $1', [topicName]);
    await dataSource.destroy();
  });

  it('numbers matching events per subscription from 1, once per event id, with the next offset in the same transaction', async () => {
    const all = subscription();
    const conditions = subscription({ topic: CHANGED, types: ['Condition'] });
    const encounters = subscription({ topic: CHANGED, types: ['Encounter'] });
    const other = subscription({ pseudonym: 'p9' });
    const ended = subscription({ endsAt: new Date(Date.now() - 1000).toISOString() });
    for (const s of [all, conditions, encounters, other, ended]) await repository.create(s);
    const first = event();
    const linked = event({ pseudonyms: ['p7', 'p1'], topics: [RECEIVED], resourceTypes: [] });
    const before = event({ recordedAt: new Date(Date.now() - 60_000) }); // recorded before the subscriptions existed
    expect(await repository.recordEvents([first, linked, before], { topic: topicName, partition: 0, offset: '3' })).toBe(3);
    // A redelivery of the same batch numbers nothing again.
    expect(await repository.recordEvents([first, linked], { topic: topicName, partition: 0, offset: '3' })).toBe(0);
    expect(await repository.offsets([topicName])).toEqual([{ topic: topicName, partition: 0, offset: '3', topicId: null }]);
    const numbers = async (s: StoredSubscription) => (await repository.events(s.id, '1', undefined, 10)).map((e) => [e.eventNumber, e.msgKey]);
    expect(await numbers(all)).toEqual([['1', first.msgKey], ['2', linked.msgKey]]);
    expect(await numbers(conditions)).toEqual([['1', first.msgKey]]);
    expect(await numbers(encounters)).toEqual([]);
    expect(await numbers(other)).toEqual([]);
    expect(await numbers(ended)).toEqual([]);
    expect((await repository.find(knr, 'epj', all.id))!.eventsSinceStart).toBe('2');
    expect((await repository.events(all.id, '2', '2', 10)).map((e) => e.eventNumber)).toEqual(['2']);
    expect(await repository.endExpired()).toBeGreaterThanOrEqual(1);
    expect((await repository.find(knr, 'epj', ended.id))!.status).toBe('off');
  });

  it("numbers a batch's events for each subscription in the batch's order, every event matched in one statement", async () => {
    const a = subscription({ pseudonym: 'p3' });
    const b = subscription({ pseudonym: 'p4' });
    for (const s of [a, b]) await repository.create(s);
    const batch = ['p4', 'p3', 'p4', 'p3', 'p4', 'p5'].map((p) => event({ pseudonyms: [p] }));
    // Every statement the repository runs in its transaction goes through the EntityManager.
    const query = jest.spyOn(EntityManager.prototype, 'query');
    try {
      expect(await repository.recordEvents(batch, { topic: topicName, partition: 2, offset: '6' })).toBe(5);
      // One statement matches the whole batch; then one per match numbers it, and one stores the offset.
      expect(query.mock.calls.filter(([sql]) => /FROM fhir_subscriptions s\b|JOIN fhir_subscriptions s\b/.test(String(sql)))).toHaveLength(1);
      expect(query).toHaveBeenCalledTimes(1 + 5 + 1);
    } finally {
      query.mockRestore();
    }
    const keys = async (s: StoredSubscription) => (await repository.events(s.id, '1', undefined, 10)).map((e) => [e.eventNumber, e.msgKey]);
    expect(await keys(a)).toEqual([['1', batch[1].msgKey], ['2', batch[3].msgKey]]);
    expect(await keys(b)).toEqual([['1', batch[0].msgKey], ['2', batch[2].msgKey], ['3', batch[4].msgKey]]);
  });

  it('claims a due subscription for one instance at a time; delivered and failed release it; giving up sets error', async () => {
    await dataSource.query('DELETE FROM fhir_subscriptions WHERE kommunenummer = $1', [knr]);
    const s = subscription();
    await repository.create(s);
    const [a, b] = await Promise.all([repository.claimDue(100, 60_000), repository.claimDue(100, 60_000)]);
    const mine = [...a, ...b].filter((c) => c.id === s.id);
    expect(mine).toHaveLength(1); // the handshake is due, and claimed once
    expect(mine[0]).toMatchObject({ status: 'requested', deliveredThrough: '0', attempts: 0 });
    expect((await repository.claimDue(100, 60_000)).some((c) => c.id === s.id)).toBe(false); // leased
    await repository.delivered(s.id, { status: 'active' });
    expect((await repository.claimDue(100, 60_000)).some((c) => c.id === s.id)).toBe(false); // active, nothing to send, no heartbeat
    await repository.recordEvents([event()], { topic: topicName, partition: 1, offset: '1' });
    const due = (await repository.claimDue(100, 60_000)).find((c) => c.id === s.id)!;
    expect([due.status, due.deliveredThrough, due.eventsSinceStart]).toEqual(['active', '0', '1']);
    await repository.failed(s.id, 'endpoint answered HTTP 503', new Date(Date.now() + 60_000), false);
    expect((await repository.claimDue(100, 60_000)).some((c) => c.id === s.id)).toBe(false); // waiting for its retry time
    await repository.failed(s.id, 'endpoint answered HTTP 503', new Date(), true);
    expect(await repository.find(knr, 'epj', s.id)).toMatchObject({ status: 'error', lastError: 'endpoint answered HTTP 503' });
    expect((await repository.claimDue(100, 60_000)).some((c) => c.id === s.id)).toBe(false);
  });
});
