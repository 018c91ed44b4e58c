import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateDevKey, mintDevToken } from '@hub/auth';
import { HubHarness, startHub } from '../support/hub-harness';

/**
 * Two hub instances behind one load balancer (issue 15 item 3) with RATE_LIMIT_STORE=postgres:
 * a client's burst is shared by both, so alternating between them does not double it.
 */
describe('per-client rate limit shared by two instances', () => {
  const kommune = { kommunenummer: '9923', navn: 'Delvik', herIds: ['8823001'] };
  const issuerKey = join(mkdtempSync(join(tmpdir(), 'shared-limit-')), 'dev-issuer-key.json');
  let hubs: HubHarness[] = [];

  beforeAll(async () => {
    await loadOrCreateDevKey(issuerKey);
    const env = { HENDELSESLAGER_DEV_ISSUER_KEY: issuerKey, RATE_LIMIT_PER_CLIENT_PER_SECOND: '1', RATE_LIMIT_PER_CLIENT_BURST: '5', RATE_LIMIT_STORE: 'postgres' };
    hubs.push(await startHub([kommune], env));
    hubs.push(await startHub([kommune], env));
  });
  afterAll(async () => {
    await Promise.all(hubs.map((hub) => hub.close()));
    hubs = [];
  });

  const token = (client: string) => mintDevToken(issuerKey, { client, scopes: ['patients:read'], kommuner: [kommune.kommunenummer], audience: 'hendelseslager' });
  const call = (hub: HubHarness, bearer: string) =>
    fetch(`${hub.baseUrl}/fhir/${kommune.kommunenummer}/EpisodeOfCare/_search`, { method: 'POST', headers: { Authorization: `Bearer ${bearer}` } });

  it('lets a client through five times in all, not five times per instance, and limits no one else', async () => {
    const noisy = await token(`noisy-${Date.now()}`);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1) statuses.push((await call(hubs[i % 2], noisy)).status);
    // Passing the limiter, a request fails later for lack of a purpose of use (403); over it, 429.
    expect(statuses.filter((s) => s === 403).length).toBeGreaterThanOrEqual(5);
    expect(statuses.filter((s) => s === 403).length).toBeLessThanOrEqual(6); // a second may pass and refill one token
    expect(statuses.slice(0, 5)).toEqual([403, 403, 403, 403, 403]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(4);
    const limited = await call(hubs[1], noisy);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await call(hubs[0], await token(`quiet-${Date.now()}`))).status).toBe(403);
  });
});
