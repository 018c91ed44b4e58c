import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Client } from 'pg';
import { importJWK, SignJWT } from 'jose';
import { DEV_ISSUER, loadOrCreateDevKey } from '@hub/auth';
import { buildMessage, fnr } from '@hub/testing';
import { freePort } from '../support/app-process';
import { eventually, HubHarness, startHub } from '../support/hub-harness';
import { TEST_DATABASE_URL, TEST_REGISTRY_URL } from '../support/test-env';

/**
 * The findings of an outside probe (issue #13) against a running hub, each with the attack that
 * worked before: one kommune's failed audit write failing another's reads (1), message text as a
 * label on an open /metrics (2), a large body read before the token was checked (3), refused
 * access leaving no audit record, nor a trace in the patient's access log (4), and a token
 * issued in the future (7).
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

  it("1: a read for a kommune the hub does not serve is answered 404 and never fails another kommune's reads", async () => {
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
      expect(mixed.map((r) => r.status)).toEqual([...Array(3).fill(404), ...Array(12).fill(200)]);
      expect(await mixed[0].json()).toEqual({ status: 404, code: 'kommune_not_served', detail: 'This hub does not serve the kommune in the path' });
    }
    // Nothing was made for it: no schema subject (its audit topic was never written to).
    const subjects = (await (await fetch(`${TEST_REGISTRY_URL}/subjects`)).json()) as string[];
    expect(subjects.filter((s) => s.startsWith(`${hub.namespace}.kommune.${UNSERVED}.`))).toEqual([]);
    expect(subjects.filter((s) => s.startsWith(`${hub.namespace}.kommune.${A.kommunenummer}.audit`)).length).toBeGreaterThan(0);
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

  it("4: refused access (401, 403) is audited with who, what and why, never the identifier; the patient's access log and the kommune's audit events show it", async () => {
    const readerB = await hub.token({ client: 'epj-probeby', scopes: ['patients:read'], kommuner: [B.kommunenummer], hpr: '565501872' });
    const writerA = await hub.token({ client: 'gw-probevik-2', scopes: ['messages:write'], kommuner: [A.kommunenummer] });
    expect((await overview(A.kommunenummer, readerB)).status).toBe(403);
    expect((await overview(A.kommunenummer, writerA)).status).toBe(403);
    expect((await overview(A.kommunenummer, undefined)).status).toBe(401);
    expect((await overview(A.kommunenummer, 'not-a-token')).status).toBe(401);
    // Intake's own 403: a gateway of kommune B delivers a message that belongs to kommune A.
    const gatewayB = await hub.token({ client: 'gw-probeby', scopes: ['messages:write'], kommuner: [B.kommunenummer] });
    const foreign = await fetch(`${hub.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${gatewayB}`, 'Content-Type': 'application/xml' },
      body: buildMessage({
        kind: 'ORIENTERING_TJENESTETILBUD',
        version: '1.6',
        sender: { organisation: [{ name: 'Probevik kommune', herId: A.herIds[0] }] },
        receiver: { organisation: [{ name: 'Legekontoret', herId: '8850100' }] },
        patient: { familyName: 'Probe', givenName: 'Pia', birthDate: '1962-03-21', sex: '2', fnr: patient },
      }),
    });
    expect(foreign.status).toBe(403);
    const expected = [
      { client: 'epj-probeby', action: 'ACCESS', reason: 'forbidden_kommune', resource: 'POST /api/v1/kommuner/:kommunenummer/patient-overview', hpr: '565501872' },
      { client: 'gw-probevik-2', action: 'ACCESS', reason: 'insufficient_scope', resource: 'POST /api/v1/kommuner/:kommunenummer/patient-overview', hpr: null },
      { client: 'unauthenticated', action: 'ACCESS', reason: 'missing_token', resource: 'POST /api/v1/kommuner/:kommunenummer/patient-overview', hpr: null },
      { client: 'unauthenticated', action: 'ACCESS', reason: 'invalid_token', resource: 'POST /api/v1/kommuner/:kommunenummer/patient-overview', hpr: null },
      { client: 'gw-probeby', action: 'ACCESS', reason: 'forbidden_kommune', resource: 'POST /v1/messages', hpr: null },
    ];
    type Summary = { client: string; action: string; reason: string; resource: string; hpr: string | null };
    const summarise = (r: Record<string, unknown>): Summary => ({ client: r.client_id as string, action: r.action as string, reason: r.refusal_reason as string, resource: r.resource as string, hpr: r.actor_hpr as string | null });
    // Other suites' refusals in the same kommune share the table: wait for these five, not for any five rows.
    const rows = await eventually(async () => {
      const result = await db.query(
        "SELECT * FROM audit_log WHERE kommunenummer = $1 AND outcome = 'DENIED' ORDER BY occurred_at, client_id",
        [A.kommunenummer],
      );
      const summary = result.rows.map(summarise);
      return expected.every((e) => summary.some((s) => JSON.stringify(s) === JSON.stringify(e))) ? result.rows : undefined;
    });
    expect(rows.map(summarise)).toEqual(expect.arrayContaining(expected));
    // Verified clients' refused reads name the patient by pseudonym; requests without a valid token and intake's refusal name nobody.
    const byClient = (client: string) => rows.find((r) => r.client_id === client)!;
    expect(byClient('epj-probeby').patient_pseudonym).toEqual(expect.any(String));
    expect(byClient('gw-probevik-2').patient_pseudonym).toBe(byClient('epj-probeby').patient_pseudonym);
    for (const client of ['unauthenticated', 'gw-probeby']) expect(byClient(client).patient_pseudonym).toBeNull();
    for (const row of rows) expect(JSON.stringify(row)).not.toContain(patient);

    // The patient's access log (here the privacy officer's view) shows the refused attempts against them, with outcome and reason.
    const officer = await hub.token({ client: 'personvern-probevik', scopes: ['audit:read'], kommuner: [A.kommunenummer] });
    const log = await fetch(`${hub.baseUrl}/api/v1/kommuner/${A.kommunenummer}/access-log`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${officer}`, 'Content-Type': 'application/json', 'X-Purpose-Of-Use': 'HOPERAT' },
      body: JSON.stringify({ identifierType: 'FNR', identifier: patient }),
    });
    expect(log.status).toBe(200);
    const entries = ((await log.json()) as { entries: Array<Record<string, unknown>> }).entries.filter((e) => e.outcome === 'DENIED');
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ client: 'epj-probeby', outcome: 'DENIED', refusalReason: 'forbidden_kommune', person: { hpr: '565501872', name: null } }),
        expect.objectContaining({ client: 'gw-probevik-2', outcome: 'DENIED', refusalReason: 'insufficient_scope' }),
      ]),
    );
    expect(entries.some((e) => e.client === 'unauthenticated' || e.client === 'gw-probeby')).toBe(false);

    // The kommune's audit events, refusals only: every one of them, and no patient named.
    const listed = await fetch(`${hub.baseUrl}/api/v1/kommuner/${A.kommunenummer}/audit-events?outcome=DENIED&limit=2`, { headers: { Authorization: `Bearer ${officer}` } });
    expect(listed.status).toBe(200);
    const page1 = (await listed.json()) as { entries: Array<Record<string, unknown>>; next: string | null };
    expect(page1.entries).toHaveLength(2);
    const all = [...page1.entries];
    for (let next = page1.next; next; ) {
      const page = (await (await fetch(`${hub.baseUrl}/api/v1/kommuner/${A.kommunenummer}/audit-events?outcome=DENIED&limit=2&after=${next}`, { headers: { Authorization: `Bearer ${officer}` } })).json()) as typeof page1;
      all.push(...page.entries);
      next = page.next;
    }
    expect(all.map((e) => e.auditId).sort()).toEqual(rows.map((r) => r.audit_id).sort());
    for (const entry of all) {
      expect(entry).toMatchObject({ outcome: 'DENIED', action: 'ACCESS', refusalReason: expect.any(String) });
      expect(entry).not.toHaveProperty('patientPseudonym');
    }
    // Another kommune's officer sees none of them.
    const officerB = await hub.token({ client: 'personvern-probeby', scopes: ['audit:read'], kommuner: [B.kommunenummer] });
    expect((await fetch(`${hub.baseUrl}/api/v1/kommuner/${A.kommunenummer}/audit-events?outcome=DENIED`, { headers: { Authorization: `Bearer ${officerB}` } })).status).toBe(403);
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
