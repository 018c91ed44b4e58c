import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { HubConfig } from '@hub/config';
import { HubMetrics } from '@hub/observability';
import type { SubscriptionNotificationService } from '@hub/feature-read-api';
import type { DueSubscription, FhirSubscriptionRepository, SubscriptionEvent } from '@hub/persistence';
import { NotificationDeliveryService, notReadyRetryMs } from './notification-delivery.service';

/** What the service asked the repository to do, in order. */
type Call = [string, ...unknown[]];

/**
 * The delivery decisions with a real receiver and a recording repository: handshake, events,
 * heartbeat, blocked, not ready, and the retry schedule (doubling from the base, capped, error
 * after the last attempt).
 */
describe('NotificationDeliveryService', () => {
  let server: Server;
  let port: number;
  let answer = 200;
  const posts: Array<{ body: Record<string, unknown>; auditId?: string }> = [];
  const calls: Call[] = [];
  let content: { blocked: boolean; notReady: boolean; bundle?: Record<string, unknown>; auditId?: string };
  const events: SubscriptionEvent[] = [
    { eventNumber: '3', eventId: 'e3', msgKey: 'm3', eventType: 'DOCUMENT_RECEIVED', patientPseudonym: 'p', occurredAt: new Date() },
    { eventNumber: '4', eventId: 'e4', msgKey: 'm4', eventType: 'DOCUMENT_RECEIVED', patientPseudonym: 'p', occurredAt: new Date() },
  ];
  const repository = {
    delivered: async (...a: unknown[]) => void calls.push(['delivered', ...a]),
    failed: async (...a: unknown[]) => void calls.push(['failed', ...a]),
    postpone: async (...a: unknown[]) => void calls.push(['postpone', ...a]),
    events: async (...a: unknown[]) => (calls.push(['events', ...a]), events),
    // The wake-up after "not ready" runs a round: nothing is due here.
    claimDue: async () => [],
    endExpired: async () => 0,
  };
  const notifications = {
    signal: (_s: unknown, type: string, status?: string) => ({ resourceType: 'Bundle', signal: type, status }),
    events: async () => content,
  };
  const config = { notifier: { allowHttp: true, allowedHosts: ['127.0.0.1'], maxAttempts: 4, retryBaseMs: 1000, pollMs: 1000 } } as HubConfig;
  const metrics = new HubMetrics();
  const service = new NotificationDeliveryService(config, repository as unknown as FhirSubscriptionRepository, notifications as unknown as SubscriptionNotificationService, metrics);
  const counted = async () => (await metrics.notifications.get()).values.filter((v) => v.value > 0).map((v) => [v.labels.type, v.labels.outcome, v.value]);
  const due = (over: Partial<DueSubscription> = {}): DueSubscription =>
    ({
      id: 's1', kommunenummer: '0301', clientId: 'epj', topic: 't', resource: {}, status: 'active', eventsSinceStart: '2', deliveredThrough: '2', attempts: 0, lastSentAt: null,
      delivery: { endpoint: `http://127.0.0.1:${port}/hook`, timeoutSeconds: 2, content: 'id-only' },
      ...over,
    }) as unknown as DueSubscription;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        posts.push({ body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>, auditId: req.headers['x-audit-id'] as string | undefined });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    answer = 200;
    posts.length = 0;
    calls.length = 0;
    content = { blocked: false, notReady: false, bundle: { resourceType: 'Bundle', type: 'history' }, auditId: 'audit-1' };
  });

  it('a requested subscription gets the handshake (status requested) and becomes active when it is accepted', async () => {
    await service.work(due({ status: 'requested' }));
    expect(posts.map((p) => p.body)).toEqual([{ resourceType: 'Bundle', signal: 'handshake', status: 'requested' }]);
    expect(calls).toEqual([['delivered', 's1', { status: 'active' }]]);
  });

  it('undelivered events go first, from the one after the last delivered, with the audit id; delivered through the last', async () => {
    await service.work(due({ eventsSinceStart: '4' }));
    expect(posts).toEqual([{ body: { resourceType: 'Bundle', type: 'history' }, auditId: 'audit-1' }]);
    expect(calls).toEqual([
      ['events', 's1', '3', undefined, 20],
      ['delivered', 's1', { deliveredThrough: '4' }],
    ]);
  });

  it('blocked: nothing is sent, the events count as handled; not ready: nothing is sent, looked at again shortly', async () => {
    content = { blocked: true, notReady: false, auditId: 'audit-2' };
    await service.work(due({ eventsSinceStart: '4' }));
    content = { blocked: false, notReady: true };
    const before = Date.now();
    await service.work(due({ eventsSinceStart: '4' }));
    expect(posts).toEqual([]);
    expect(calls[1]).toEqual(['delivered', 's1', { deliveredThrough: '4' }]);
    expect(calls[3][0]).toBe('postpone');
    expect((calls[3][2] as Date).getTime() - before).toBeLessThan(1000);
  });

  it('not ready again and again: looked at again after 10 ms, doubling to at most 2 s; counted anew for the next events', async () => {
    expect([1, 2, 3, 8, 9, 30].map(notReadyRetryMs)).toEqual([10, 20, 40, 1280, 2000, 2000]);
    const retries = async (over: Partial<DueSubscription>) => {
      calls.length = 0;
      const before = Date.now();
      await service.work(due(over));
      const at = calls.find((c) => c[0] === 'postpone')![2] as Date;
      return at.getTime() - before;
    };
    content = { blocked: false, notReady: true };
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) waits.push(await retries({ id: 's9', eventsSinceStart: '4' }));
    for (const [wait, expected] of waits.map((w, i) => [w, [10, 20, 40, 80][i]])) {
      expect(wait).toBeGreaterThanOrEqual(expected - 2);
      expect(wait).toBeLessThan(expected + 50);
    }
    // Delivered: the count ends; the next events not ready start again at 10 ms.
    content = { blocked: false, notReady: false, bundle: { resourceType: 'Bundle', type: 'history' }, auditId: 'audit-9' };
    await service.work(due({ id: 's9', eventsSinceStart: '4' }));
    content = { blocked: false, notReady: true };
    expect(await retries({ id: 's9', eventsSinceStart: '4' })).toBeLessThan(60);
    expect(posts).toHaveLength(1);
  });

  it('with nothing to deliver, an active subscription due for it gets a heartbeat', async () => {
    await service.work(due());
    expect(posts.map((p) => p.body)).toEqual([{ resourceType: 'Bundle', signal: 'heartbeat', status: undefined }]);
    expect(calls).toEqual([['delivered', 's1', {}]]);
  });

  it('a failed attempt is retried after the base delay doubling per attempt; the last attempt sets error', async () => {
    answer = 500;
    const delays: number[] = [];
    for (const attempts of [0, 1, 2, 3]) {
      const before = Date.now();
      await service.work(due({ status: 'requested', attempts }));
      const [name, id, error, retryAt, giveUp] = calls.at(-1)!;
      expect([name, id, error, giveUp]).toEqual(['failed', 's1', 'endpoint answered HTTP 500', attempts === 3]);
      delays.push(Math.round(((retryAt as Date).getTime() - before) / 1000));
    }
    expect(delays).toEqual([1, 2, 4, 8]);
    expect(await counted()).toEqual(expect.arrayContaining([['handshake', 'failed', 4], ['any', 'gave_up', 1]]));
    await service.work(due({ status: 'requested', attempts: 20 }));
    expect(Math.round(((calls.at(-1)![3] as Date).getTime() - Date.now()) / 1000)).toBe(300); // capped at 5 minutes
  });
});
