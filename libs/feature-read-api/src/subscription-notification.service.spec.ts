import type { HubConfig } from '@hub/config';
import type { SubscriptionEvent } from '@hub/persistence';
import { fnr } from '@hub/testing';
import type { PatientQuery, PatientReadResult, PatientReadService } from './patient-read.service';
import { DeliverableSubscription, SubscriptionNotificationService } from './subscription-notification.service';

/**
 * A notification with events is an audited read of the record, so it is made only once the read
 * model holds every event's message: before that the service answers "not ready" after an
 * unaudited check, and the record is not read.
 */
describe('SubscriptionNotificationService: not ready before the audited read', () => {
  const config = { publicBaseUrl: 'https://hub.example.no' } as HubConfig;
  const subscription = {
    id: 's1', kommunenummer: '0301', clientId: 'epj', topic: 'message-received', status: 'active', eventsSinceStart: '2',
    delivery: { patientIdentifier: `urn:oid:2.16.578.1.12.4.1.4.1|${fnr('1944-04-04', 402)}`, resourceTypes: [], purposeOfUse: 'COC', content: 'id-only', filterPseudonym: 'p' },
  } as unknown as DeliverableSubscription;
  const event = (n: string, msgKey: string): SubscriptionEvent => ({ eventNumber: n, eventId: `e${n}`, msgKey, eventType: 'DOCUMENT_RECEIVED', patientPseudonym: 'p', occurredAt: new Date() });
  let held: string[];
  let asked: Array<[string, string[]]>;
  let reads: PatientQuery[];
  const service = new SubscriptionNotificationService(config, {
    messagesHeld: async (knr: string, msgIds: readonly string[]) => (asked.push([knr, [...msgIds]]), new Set(held.filter((m) => msgIds.includes(m)))),
    // Blocked: the service returns right after the read, so the test needs no record.
    read: async (query: PatientQuery) => (reads.push(query), { blocked: true, found: false, auditId: 'audit-1' }) as unknown as PatientReadResult,
  } as unknown as PatientReadService);

  beforeEach(() => {
    asked = [];
    reads = [];
  });

  it('an event whose message the read model lacks: not ready, no read and no audit id', async () => {
    held = ['m1'];
    await expect(service.events(subscription, [event('1', 'm1'), event('2', 'm2'), event('3', 'm1')], 'event-notification')).resolves.toEqual({ blocked: false, notReady: true });
    expect(asked).toEqual([['0301', ['m1', 'm2']]]);
    expect(reads).toEqual([]);
  });

  it('every message held: the audited read is made', async () => {
    held = ['m1', 'm2'];
    await expect(service.events(subscription, [event('1', 'm1'), event('2', 'm2')], 'event-notification')).resolves.toEqual({ blocked: true, notReady: false, auditId: 'audit-1' });
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ kommunenummer: '0301', purposeOfUse: 'COC', action: 'READ' });
  });

  it('$events (partial) reads at once and leaves out what is not held, so it never asks first', async () => {
    held = [];
    await service.events(subscription, [event('1', 'm1')], 'query-event', 'id-only', 'active', true);
    expect(asked).toEqual([]);
    expect(reads).toHaveLength(1);
  });
});
