import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/data-source.factory';
import { FhirSubscriptionRepository } from '../../src/fhir-subscription.repository';
import { FhirSubscriptions1764340000000 } from '../../src/migrations/1764340000000-FhirSubscriptions';
import { SubscriptionDelivery1764351000000 } from '../../src/migrations/1764351000000-SubscriptionDelivery';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

/** FHIR Subscriptions on the real PostgreSQL: scoped to kommune and client, surviving a new connection; the migration reverses. */
describe('FhirSubscriptionRepository (PostgreSQL)', () => {
  let dataSource: DataSource;
  const knr = `9${Math.floor(Math.random() * 900) + 100}`;
  const stored = (clientId: string, kommunenummer = knr) => {
    const id = randomUUID();
    return { id, kommunenummer, clientId, topic: 'http://hendelseslager.example/fhir/SubscriptionTopic/message-received', resource: { resourceType: 'Subscription', id, status: 'requested', reason: 'r' } };
  };

  beforeAll(async () => {
    dataSource = createDataSource(TEST_DATABASE_URL, { poolSize: 2 });
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource.query('DELETE FROM fhir_subscriptions WHERE kommunenummer = $1', [knr]);
    await dataSource.destroy();
  });

  it('creates, finds, lists and deletes only within the kommune and for the owning client; rows outlive the connection', async () => {
    const repository = new FhirSubscriptionRepository(dataSource);
    const a1 = stored('client-a');
    const a2 = stored('client-a');
    const b1 = stored('client-b');
    const elsewhere = stored('client-a', '9000');
    for (const s of [a1, a2, b1, elsewhere]) await repository.create(s);
    // Created without delivery settings (as before delivery existed): requested, no events.
    expect(await repository.find(knr, 'client-a', a1.id)).toEqual({ ...a1, status: 'requested', lastError: null, eventsSinceStart: '0' });
    expect(await repository.find(knr, 'client-b', a1.id)).toBeUndefined();
    expect(await repository.find('9000', 'client-a', a1.id)).toBeUndefined();
    expect((await repository.list(knr, 'client-a')).map((s) => s.id)).toEqual([a1.id, a2.id]);
    expect(await repository.delete(knr, 'client-b', a1.id)).toBe(false);
    expect(await repository.delete(knr, 'client-a', a1.id)).toBe(true);
    expect(await repository.delete(knr, 'client-a', a1.id)).toBe(false);
    // A new pool (a restarted hub) sees what was stored.
    const again = createDataSource(TEST_DATABASE_URL, { poolSize: 1 });
    await again.initialize();
    try {
      expect((await new FhirSubscriptionRepository(again).list(knr, 'client-a')).map((s) => s.id)).toEqual([a2.id]);
    } finally {
      await again.destroy();
    }
    await repository.delete('9000', 'client-a', elsewhere.id);
  });

  it('the migrations reverse: down drops the tables (delivery first), up makes them again', async () => {
    const runner = dataSource.createQueryRunner();
    const migration = new FhirSubscriptions1764340000000();
    const delivery = new SubscriptionDelivery1764351000000();
    const exists = async (table: string) => ((await runner.query('SELECT to_regclass($1) AS t', [`public.${table}`])) as Array<{ t: string | null }>)[0].t !== null;
    try {
      await runner.startTransaction();
      await delivery.down(runner);
      expect([await exists('fhir_subscription_events'), await exists('notifier_offsets')]).toEqual([false, false]);
      await migration.down(runner);
      expect(await exists('fhir_subscriptions')).toBe(false);
      await migration.up(runner);
      await delivery.up(runner);
      expect([await exists('fhir_subscriptions'), await exists('fhir_subscription_events'), await exists('notifier_offsets')]).toEqual([true, true, true]);
      // Nothing else in the database changed: leave it as it was.
      await runner.rollbackTransaction();
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
