import { HubHarness, startHub } from '../support/hub-harness';

/**
 * HTTP hardening of the hub as started by the harness (the same configureHttpApp as
 * production): security headers on every answer, small body limits on read routes, and the
 * per-client rate limit (configured low here so it can be hit).
 */
describe('HTTP hardening', () => {
  const kommune = { kommunenummer: '9921', navn: 'Herdvik', herIds: ['8821001'] };
  let hub: HubHarness;

  beforeAll(async () => {
    hub = await startHub([kommune], { RATE_LIMIT_PER_CLIENT_PER_SECOND: '1', RATE_LIMIT_PER_CLIENT_BURST: '5' });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('sends security headers on API, error and health answers', async () => {
    const reader = await hub.token({ client: 'headers', scopes: ['patients:read'], kommuner: [kommune.kommunenummer] });
    const answers = [
      await fetch(`${hub.baseUrl}/health/live`),
      await fetch(`${hub.baseUrl}/fhir/${kommune.kommunenummer}/EpisodeOfCare/_search`, { method: 'POST' }),
      await fetch(`${hub.baseUrl}/fhir/${kommune.kommunenummer}/metadata`, { headers: { Authorization: `Bearer ${reader}` } }),
    ];
    for (const response of answers) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('refuses read bodies over the limit with 413 before reading them', async () => {
    const reader = await hub.token({ client: 'big-body', scopes: ['patients:read', 'audit:read'], kommuner: [kommune.kommunenummer] });
    const big = 'x'.repeat(64 * 1024);
    const fhir = await fetch(`${hub.baseUrl}/fhir/${kommune.kommunenummer}/EpisodeOfCare/_search`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${reader}`, 'Content-Type': 'application/x-www-form-urlencoded', 'X-Purpose-Of-Use': 'TREAT' },
      body: `patient.identifier=${big}`,
    });
    expect(fhir.status).toBe(413);
    const json = await fetch(`${hub.baseUrl}/api/v1/kommuner/${kommune.kommunenummer}/patient-overview`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${reader}`, 'Content-Type': 'application/json', 'X-Purpose-Of-Use': 'TREAT' },
      body: JSON.stringify({ identifier: big }),
    });
    expect(json.status).toBe(413);
  });

  it('rate-limits reads per client (429 with Retry-After) without affecting other clients', async () => {
    const noisy = await hub.token({ client: 'noisy', scopes: ['patients:read'], kommuner: [kommune.kommunenummer] });
    const quiet = await hub.token({ client: 'quiet', scopes: ['patients:read'], kommuner: [kommune.kommunenummer] });
    const call = (token: string) =>
      fetch(`${hub.baseUrl}/fhir/${kommune.kommunenummer}/EpisodeOfCare/_search`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await call(noisy)).status);
    // The first five (the burst) pass the limiter and fail later for lack of a purpose (403).
    expect(statuses.slice(0, 5)).toEqual([403, 403, 403, 403, 403]);
    expect(statuses.slice(5)).toContain(429);
    const limited = await call(noisy);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await call(quiet)).status).toBe(403);
  });
});
