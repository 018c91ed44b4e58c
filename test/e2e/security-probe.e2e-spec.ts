import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Client } from 'pg';
import { importJWK, SignJWT } from 'jose';
import { DEV_ISSUER, loadOrCreateDevKey } from '@hub/auth';
import { buildMessage, fnr } from '@hub/testing';
import { freePort } from '../support/app-process';
import { eventually, HubHarness, startHub } from '../support/hub-harness';
import { TEST_DATABASE_URL } from '../support/test-env';

/**
 * The findings of an outside probe (issue #13) against a running hub, each with the attack that
 * worked before: one kommune's failed audit write failing another's reads (1), message text as a
 * label on an open /metrics (2), a large body read before the token was checked (3), refused
 * access leaving no audit record (4), and a token issued in the future (7).
 */
describe('Probe findings', () => {
  const A = { kommunenummer: '9951', navn: 'Probevik', herIds: ['8851001'] };
  const B = { kommunenummer: '9952', navn: 'Probeby', herIds: ['8852001'] };
  const UNSERVED = '9959';
  const patient = fnr('1962-03-21', 417);
  let hub: HubHarness;
  let db: Client;
  let metricsPort: number;

  const overview = (knr: string, token: string | undefined, identifier = patient) =>
    fetch(`${hub.baseUrl}/api/v1/kommuner/${knr}/patient-overview`, {
      method: 'POST',
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': 'application/json', 'X-Purpose-Of-Use': 'TREAT' },
      body: JSON.stringify({ identifierType: 'FNR', identifier }),
    });

  beforeAll(async () => {
    metricsPort = await freePort();
    hub = await startHub([A, B], { METRICS_PORT: String(metricsPort) });
    db = new Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await hub?.close();
  });

  it("1: a read for a kommune the hub does not serve never fails another kommune's reads", async () => {
    const everywhere = await hub.token({ client: 'probe-star', scopes: ['patients:read'], kommuner: ['*'] });
    const reader = await hub.token({ client: 'epj-probevik', scopes: ['patients:read'], kommuner: [A.kommunenummer] });
    // Warm up: the audit topic of A exists and its schema is registered.
    expect((await overview(A.kommunenummer, reader)).status).toBe(200);
    for (let round = 0; round < 3; round += 1) {
      // One read in flight, then reads of both kinds at once: they share the shared producer's next request.
      const first = overview(A.kommunenummer, reader);
      const mixed = await Promise.all([
        ...Array.from({ length: 3 }, () => overview(UNSERVED, everywhere)),
        ...Array.from({ length: 12 }, () => overview(A.kommunenummer, reader)),
      ]);
      expect((await first).status).toBe(200);
      const served = mixed.slice(3).map((r) => r.status);
      expect(served).toEqual(served.map(() => 200));
    }
  });

  it('2: message text never becomes a metric label, and /metrics wants a metrics:read token (or the private listener)', async () => {
    const probe = `Probe Kari Nordmann ${randomUUID().slice(0, 8)}`;
    const gateway = await hub.token({ client: 'gw-probevik', scopes: ['messages:write'], kommuner: [A.kommunenummer] });
    const body = buildMessage({
      kind: 'ORIENTERING_TJENESTETILBUD',
      version: '1.6',
      sender: { organisation: [{ name: 'Probevik kommune', herId: A.herIds[0] }] },
      receiver: { organisation: [{ name: 'Legekontoret', herId: '8850100' }] },
    })
      .toString('utf8')
      .replace('V="ORIENTERING_TJENESTETILBUD"', `V="${probe}"`);
    expect(body).toContain(probe);
    const posted = await fetch(`${hub.baseUrl}/v1/messages`, { method: 'POST', headers: { Authorization: `Bearer ${gateway}`, 'Content-Type': 'application/xml' }, body });
    expect(posted.status).toBe(422);

    expect((await fetch(`${hub.baseUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${hub.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${gateway}` } })).status).toBe(403);
    const scraper = await hub.token({ client: 'prometheus', scopes: ['metrics:read'], kommuner: [] });
    const viaToken = await fetch(`${hub.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${scraper}` } });
    expect(viaToken.status).toBe(200);
    const viaListener = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(viaListener.status).toBe(200);
    for (const text of [await viaToken.text(), await viaListener.text()]) {
      expect(text).toMatch(/hendelseslager_intake_messages_total\{msg_type="OTHER",outcome="rejected"\} \d+/);
      expect(text).not.toContain('Probe');
      expect(text).not.toContain('Kari');
    }
  });

  /** Sends headers and the first 64 KiB of a body announced as ~20 MB, and resolves with the status once answered. */
  const partialUpload = (authorization: string) =>
    new Promise<{ status: number; ms: number }>((resolve, reject) => {
      const started = Date.now();
      const req = httpRequest(`${hub.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: { Authorization: authorization, 'Content-Type': 'application/xml', 'Content-Length': String(20 * 1024 * 1024 - 1024) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, ms: Date.now() - started });
        req.destroy();
      });
      req.on('error', (error) => (Date.now() - started < 5000 ? undefined : reject(error)));
      req.write(Buffer.alloc(64 * 1024, 0x20));
      setTimeout(() => reject(new Error('no answer within 5 s: the body is being read before the token is checked')), 5000).unref();
    });

  it('3: an upload is refused on its token before its body is read', async () => {
    const invalid = await partialUpload('Bearer eyJhbGciOiJFUzI1NiJ9.eyJjbGllbnRfaWQiOiJ4In0.c2ln');
    expect(invalid.status).toBe(401);
    const reader = await hub.token({ client: 'epj-not-a-gateway', scopes: ['patients:read'], kommuner: [A.kommunenummer] });
    const noScope = await partialUpload(`Bearer ${reader}`);
    expect(noScope.status).toBe(403);
  });

  it('4: refused access (401, 403) is audited with who, what and why, without the identifier', async () => {
    const readerB = await hub.token({ client: 'epj-probeby', scopes: ['patients:read'], kommuner: [B.kommunenummer], hpr: '565501872' });
    const writerA = await hub.token({ client: 'gw-probevik-2', scopes: ['messages:write'], kommuner: [A.kommunenummer] });
    expect((await overview(A.kommunenummer, readerB)).status).toBe(403);
    expect((await overview(A.kommunenummer, writerA)).status).toBe(403);
    expect((await overview(A.kommunenummer, undefined)).status).toBe(401);
    expect((await overview(A.kommunenummer, 'not-a-token')).status).toBe(401);
    const rows = await eventually(async () => {
      const result = await db.query(
        "SELECT * FROM audit_log WHERE kommunenummer = $1 AND outcome = 'DENIED' ORDER BY occurred_at, client_id",
        [A.kommunenummer],
      );
      return result.rows.length >= 4 ? result.rows : undefined;
    });
    const summary = rows.map((r) => ({ client: r.client_id, action: r.action, reason: r.refusal_reason, resource: r.resource, hpr: r.actor_hpr }));
    expect(summary).toEqual(
      expect.arrayContaining([
        { client: 'epj-probeby', action: 'ACCESS', reason: 'forbidden_kommune', resource: 'POST /api/v1/kommuner/:kommunenummer/patient-overview', hpr: '565501872' },
        { client: 'gw-probevik-2', action: 'ACCESS', reason: 'insufficient_scope', resource: 'POST /api/v1/kommuner/:kommunenummer/patient-overview', hpr: null },
        { client: 'unauthenticated', action: 'ACCESS', reason: 'missing_token', resource: 'POST /api/v1/kommuner/:kommunenummer/patient-overview', hpr: null },
        { client: 'unauthenticated', action: 'ACCESS', reason: 'invalid_token', resource: 'POST /api/v1/kommuner/:kommunenummer/patient-overview', hpr: null },
      ]),
    );
    for (const row of rows) {
      expect(JSON.stringify(row)).not.toContain(patient);
      expect(row.patient_pseudonym).toBeNull();
    }
  });

  it('7: a token issued in the future, or minted to live for days, is refused', async () => {
    const { privateJwk } = await loadOrCreateDevKey(hub.keyFile);
    const now = Math.floor(Date.now() / 1000);
    const key = await importJWK(privateJwk, 'ES256');
    const signed = (iat: number, exp: number) =>
      new SignJWT({ client_id: 'epj-probevik', scope: 'patients:read', kommuner: [A.kommunenummer] })
        .setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid })
        .setIssuer(DEV_ISSUER)
        .setAudience('hendelseslager')
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(key);
    expect((await overview(A.kommunenummer, await signed(now + 3600, now + 7200))).status).toBe(401);
    expect((await overview(A.kommunenummer, await signed(now, now + 30 * 24 * 3600))).status).toBe(401);
    expect((await overview(A.kommunenummer, await signed(now, now + 600))).status).toBe(200);
  });
});
