import { randomUUID } from 'node:crypto';
import { exportSPKI, importJWK, KeyLike, SignJWT } from 'jose';
import { Client } from 'pg';
import { DEV_ISSUER, loadOrCreateDevKey } from '@hub/auth';
import { buildMessage, fnr } from '@hub/testing';
import { eventually, HubHarness, startHub } from '../support/hub-harness';
import { TEST_DATABASE_URL } from '../support/test-env';

/**
 * Issue 5 against the real stack: tokens (401 for every kind of bad token), scopes (403),
 * kommune isolation for writes and every read path, purpose of use, the audit trail of every
 * read with its fields, the patient's and the privacy officer's access log, blocking
 * (sperring) including after the audit projection is rebuilt from the topic, and the read
 * failing with 503 when the audit event cannot be written.
 */
describe('Security and audit', () => {
  const A = { kommunenummer: '9911', navn: 'Alfavik', herIds: ['8811001'] };
  const B = { kommunenummer: '9912', navn: 'Betaby', herIds: ['8812001'] };
  const patientA = fnr('1951-07-14', 312);
  const patientB = fnr('1960-01-30', 455);
  const receiver = { organisation: [{ name: 'Legekontoret', herId: '8810100' }] };
  let hub: HubHarness;
  let db: Client;

  const msgIdA = randomUUID();
  const message = (kommune: typeof A, patient: string, family: string, msgId = randomUUID()) =>
    buildMessage({
      kind: 'ORIENTERING_TJENESTETILBUD',
      version: '1.6',
      status: 'N',
      msgId,
      sender: { organisation: [{ name: `${kommune.navn} kommune`, herId: kommune.herIds[0] }] },
      receiver,
      patient: { familyName: family, givenName: 'Test', birthDate: '1951-07-14', sex: '1', fnr: patient },
      services: [{ iplosCode: '15', description: 'Praktisk bistand', amount: '1', unit: 'timer hver uke', startDate: '2024-01-03' }],
    });
  const post = (token: string, body: Buffer) =>
    fetch(`${hub.baseUrl}/v1/messages`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/xml' }, body });
  const fhirSearch = (knr: string, token: string, patient: string, purpose: string | null = 'TREAT', base = hub.baseUrl) =>
    fetch(`${base}/fhir/${knr}/EpisodeOfCare/_search`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-www-form-urlencoded', ...(purpose ? { 'X-Purpose-Of-Use': purpose } : {}) },
      body: new URLSearchParams({ 'patient.identifier': `urn:oid:2.16.578.1.12.4.1.4.1|${patient}` }).toString(),
    });
  const overview = (knr: string, token: string, patient: string, purpose: string | null = 'TREAT', base = hub.baseUrl) =>
    fetch(`${base}/api/v1/kommuner/${knr}/patient-overview`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(purpose ? { 'X-Purpose-Of-Use': purpose } : {}) },
      body: JSON.stringify({ identifierType: 'FNR', identifier: patient }),
    });
  const officerLog = (knr: string, token: string, patient: string) =>
    fetch(`${hub.baseUrl}/api/v1/kommuner/${knr}/access-log`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'X-Purpose-Of-Use': 'HOPERAT' },
      body: JSON.stringify({ identifierType: 'FNR', identifier: patient }),
    });
  const me = (knr: string, token: string, path: string, method = 'GET') =>
    fetch(`${hub.baseUrl}/api/v1/kommuner/${knr}/me/${path}`, { method, headers: { Authorization: `Bearer ${token}` } });
  const original = (knr: string, token: string, id: string) =>
    fetch(`${hub.baseUrl}/fhir/${knr}/Binary/${id}`, { headers: { Authorization: `Bearer ${token}`, 'X-Purpose-Of-Use': 'TREAT' } });
  const auditRow = (auditId: string) =>
    eventually(async () => (await db.query('SELECT * FROM audit_log WHERE audit_id = $1', [auditId])).rows[0], 30000);

  /** Signs a token with the dev issuer's key (or another key), with any header and claims. */
  async function forge(claims: Record<string, unknown>, opts: { iss?: string; aud?: string; exp?: number; key?: 'dev' | 'other' } = {}): Promise<string> {
    const { privateJwk } = opts.key === 'other' ? await loadOrCreateDevKey(`${hub.keyFile}.other`) : await loadOrCreateDevKey(hub.keyFile);
    const devKid = (await loadOrCreateDevKey(hub.keyFile)).privateJwk.kid;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ client_id: 'forger', scope: 'patients:read', kommuner: [A.kommunenummer], ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: devKid })
      .setIssuer(opts.iss ?? DEV_ISSUER)
      .setAudience(opts.aud ?? 'hendelseslager')
      // Within the longest lifetime the hub accepts (AUTH_MAX_TOKEN_LIFETIME_SECONDS, 3600 s).
      .setIssuedAt(now - 60)
      .setExpirationTime(opts.exp ?? now + 300)
      .sign(await importJWK(privateJwk, 'ES256'));
  }

  beforeAll(async () => {
    hub = await startHub([A, B]);
    db = new Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    const gatewayA = await hub.token({ client: 'gateway-a', scopes: ['messages:write'], kommuner: [A.kommunenummer] });
    const gatewayB = await hub.token({ client: 'gateway-b', scopes: ['messages:write'], kommuner: [B.kommunenummer] });
    expect((await post(gatewayA, message(A, patientA, 'Alfasen', msgIdA))).status).toBe(202);
    expect((await post(gatewayB, message(B, patientB, 'Betasen'))).status).toBe(202);
    const reader = await hub.token({ client: 'setup-reader', scopes: ['patients:read'], kommuner: [A.kommunenummer, B.kommunenummer] });
    for (const [knr, patient] of [[A.kommunenummer, patientA], [B.kommunenummer, patientB]]) {
      await eventually(async () => ((await (await fhirSearch(knr, reader, patient)).json()) as { total: number }).total === 1 || undefined, 60000);
    }
  });
  afterAll(async () => {
    await db?.end();
    await hub?.close();
  });

  it('answers 401 to a missing, expired, foreign-signed, wrong-audience, wrong-issuer, alg none or HS256-with-public-key token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { publicJwk } = await loadOrCreateDevKey(hub.keyFile);
    const hmacSecret = new TextEncoder().encode(await exportSPKI((await importJWK(publicJwk, 'ES256')) as KeyLike));
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const bad: Record<string, string> = {
      missing: '',
      expired: await forge({}, { exp: now - 120 }),
      foreignKey: await forge({}, { key: 'other' }),
      wrongAudience: await forge({}, { aud: 'another-api' }),
      wrongIssuer: await forge({}, { iss: 'https://evil.example' }),
      algNone: `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ client_id: 'x', scope: 'patients:read', kommuner: [A.kommunenummer], iss: DEV_ISSUER, aud: 'hendelseslager', iat: now, exp: now + 300 })}.`,
      hs256PublicKey: await new SignJWT({ client_id: 'x', scope: 'patients:read', kommuner: [A.kommunenummer] })
        .setProtectedHeader({ alg: 'HS256', kid: publicJwk.kid })
        .setIssuer(DEV_ISSUER)
        .setAudience('hendelseslager')
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(hmacSecret),
    };
    for (const [name, token] of Object.entries(bad)) {
      const response = await fhirSearch(A.kommunenummer, token, patientA);
      expect({ name, status: response.status }).toEqual({ name, status: 401 });
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="hendelseslager"/);
    }
    // The control: the same forging helper with nothing wrong is accepted.
    expect((await fhirSearch(A.kommunenummer, await forge({}), patientA)).status).toBe(200);
  });

  it('answers 403 when the scope is missing, for writes and reads', async () => {
    const writer = await hub.token({ client: 'gateway-a', scopes: ['messages:write'], kommuner: [A.kommunenummer] });
    const reader = await hub.token({ client: 'epj', scopes: ['patients:read'], kommuner: [A.kommunenummer] });
    expect((await fhirSearch(A.kommunenummer, writer, patientA)).status).toBe(403);
    expect((await overview(A.kommunenummer, writer, patientA)).status).toBe(403);
    expect((await officerLog(A.kommunenummer, reader, patientA)).status).toBe(403);
    expect((await me(A.kommunenummer, reader, 'access-log')).status).toBe(403);
    expect((await post(reader, message(A, patientA, 'Alfasen'))).status).toBe(403);
  });

  it('keeps kommune A tokens out of kommune B: no write, no FHIR, JSON, original message or access log', async () => {
    const writerA = await hub.token({ client: 'gateway-a', scopes: ['messages:write'], kommuner: [A.kommunenummer] });
    const postB = await post(writerA, message(B, patientB, 'Betasen'));
    expect(postB.status).toBe(403);
    const readerA = await hub.token({ client: 'epj-a', scopes: ['patients:read', 'audit:read'], kommuner: [A.kommunenummer] });
    expect((await fhirSearch(B.kommunenummer, readerA, patientB)).status).toBe(403);
    expect((await overview(B.kommunenummer, readerA, patientB)).status).toBe(403);
    expect((await officerLog(B.kommunenummer, readerA, patientB)).status).toBe(403);
    const binary = await fetch(`${hub.baseUrl}/fhir/${B.kommunenummer}/Binary/${randomUUID()}`, { headers: { Authorization: `Bearer ${readerA}`, 'X-Purpose-Of-Use': 'TREAT' } });
    expect(binary.status).toBe(403);
    const selfA = await hub.token({ client: 'helsenorge', scopes: ['patient:self'], kommuner: [A.kommunenummer], pid: patientB });
    expect((await me(B.kommunenummer, selfA, 'access-log')).status).toBe(403);
    expect((await me(B.kommunenummer, selfA, 'blocking', 'PUT')).status).toBe(403);
  });

  it('refuses patient reads without an HL7 PurposeOfUse (403)', async () => {
    const reader = await hub.token({ client: 'epj', scopes: ['patients:read'], kommuner: [A.kommunenummer] });
    expect((await fhirSearch(A.kommunenummer, reader, patientA, null)).status).toBe(403);
    expect((await fhirSearch(A.kommunenummer, reader, patientA, 'CURIOSITY')).status).toBe(403);
    expect((await overview(A.kommunenummer, reader, patientA, null)).status).toBe(403);
  });

  it('audits every read before answering, with who, which organisation, person, patient pseudonym, purpose and outcome', async () => {
    // HelseID claim names for organisation and HPR, as a HelseID token would carry them.
    const reader = await forge({
      client_id: 'epj-legevakt',
      name: 'Lege Legesen',
      'helseid://claims/client/claims/orgnr_parent': '974600951',
      'helseid://claims/hpr/hpr_number': '9144900',
    });
    const fhir = await fhirSearch(A.kommunenummer, reader, patientA, 'ETREAT');
    const json = await overview(A.kommunenummer, reader, patientA, 'TREAT');
    expect(fhir.status).toBe(200);
    expect(json.status).toBe(200);
    const fhirRow = await auditRow(fhir.headers.get('x-audit-id')!);
    const jsonRow = await auditRow(json.headers.get('x-audit-id')!);
    expect(fhirRow).toMatchObject({ kommunenummer: A.kommunenummer, action: 'SEARCH', resource: 'EpisodeOfCare', client_id: 'epj-legevakt', organisation: '974600951', actor_hpr: '9144900', actor_name: 'Lege Legesen', purpose_of_use: 'ETREAT', outcome: 'SUCCESS' });
    expect(jsonRow).toMatchObject({ action: 'READ', resource: 'patient-overview', purpose_of_use: 'TREAT', outcome: 'SUCCESS' });
    expect(fhirRow.patient_pseudonym).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(fhirRow.patient_pseudonym).toBe(jsonRow.patient_pseudonym);
    expect(JSON.stringify(fhirRow)).not.toContain(patientA);
    // The audited time is before the answer was received.
    expect(new Date(fhirRow.occurred_at).getTime()).toBeLessThanOrEqual(Date.now());
  });

  it("lists who looked, to the patient (identity from the token) and to the privacy officer, and audits those reads too", async () => {
    const reader = await hub.token({ client: 'sykehjem-epj', scopes: ['patients:read'], kommuner: [A.kommunenummer], hpr: '1234567', name: 'Sykepleier Sykesen' });
    const read = await overview(A.kommunenummer, reader, patientA, 'COC');
    await auditRow(read.headers.get('x-audit-id')!);
    const self = await hub.token({ client: 'helsenorge', scopes: ['patient:self'], kommuner: [A.kommunenummer], pid: patientA });
    const mine = await me(A.kommunenummer, self, 'access-log');
    expect(mine.status).toBe(200);
    const log = (await mine.json()) as { entries: Array<Record<string, any>> };
    expect(log.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ client: 'sykehjem-epj', person: { hpr: '1234567', name: 'Sykepleier Sykesen' }, purposeOfUse: 'COC', resource: 'patient-overview', action: 'READ', outcome: 'SUCCESS' }),
        expect.objectContaining({ client: 'epj-legevakt', purposeOfUse: 'ETREAT', resource: 'EpisodeOfCare' }),
      ]),
    );
    expect(log.entries.every((e) => typeof e.time === 'string')).toBe(true);
    expect(log.entries.some((e) => e.client === 'setup-reader' && e.resource === 'EpisodeOfCare')).toBe(true);
    const selfAudit = await auditRow(mine.headers.get('x-audit-id')!);
    expect(selfAudit).toMatchObject({ action: 'READ_ACCESS_LOG', client_id: 'helsenorge', purpose_of_use: 'PATRQT' });

    const officer = await hub.token({ client: 'personvernombud', scopes: ['audit:read'], kommuner: [A.kommunenummer], name: 'Ombud Ombudsen' });
    const theirs = await officerLog(A.kommunenummer, officer, patientA);
    expect(theirs.status).toBe(200);
    const officerEntries = ((await theirs.json()) as { entries: Array<Record<string, any>> }).entries;
    expect(officerEntries.some((e) => e.client === 'sykehjem-epj')).toBe(true);
    expect((await auditRow(theirs.headers.get('x-audit-id')!)).action).toBe('READ_ACCESS_LOG');
    // The patient sees the officer's look at the log, once projected.
    await eventually(async () => {
      const again = (await (await me(A.kommunenummer, self, 'access-log')).json()) as { entries: Array<Record<string, any>> };
      return again.entries.some((e) => e.client === 'personvernombud' && e.action === 'READ_ACCESS_LOG') || undefined;
    });
    // A patient:self token without a valid pid gets nothing.
    const noPid = await hub.token({ client: 'helsenorge', scopes: ['patient:self'], kommuner: [A.kommunenummer] });
    expect((await me(A.kommunenummer, noPid, 'access-log')).status).toBe(403);
  });

  it('blocks: no clinical data while blocked, the attempt audited as BLOCKED, and unblocking restores access', async () => {
    const self = await hub.token({ client: 'helsenorge', scopes: ['patient:self'], kommuner: [A.kommunenummer], pid: patientA });
    const reader = await hub.token({ client: 'epj', scopes: ['patients:read'], kommuner: [A.kommunenummer] });
    // The original message is readable before the block (the archive fills asynchronously).
    await eventually(async () => ((await original(A.kommunenummer, reader, msgIdA)).status === 200 ? true : undefined));
    const blocked = await me(A.kommunenummer, self, 'blocking', 'PUT');
    expect(blocked.status).toBe(200);
    expect(await blocked.json()).toMatchObject({ kommunenummer: A.kommunenummer, blocked: true });

    const fhir = await fhirSearch(A.kommunenummer, reader, patientA);
    const bundle = (await fhir.json()) as Record<string, any>;
    expect(fhir.status).toBe(200);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', total: 0 });
    expect(bundle.entry).toHaveLength(1);
    expect(bundle.entry[0]).toMatchObject({ resource: { resourceType: 'OperationOutcome', issue: [{ code: 'suppressed' }] }, search: { mode: 'outcome' } });
    const json = await overview(A.kommunenummer, reader, patientA);
    const body = (await json.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ blocked: true });
    expect(body).not.toHaveProperty('services');
    expect(JSON.stringify(body)).not.toMatch(/Alfasen|Praktisk/);
    expect((await auditRow(fhir.headers.get('x-audit-id')!)).outcome).toBe('BLOCKED');
    expect((await auditRow(json.headers.get('x-audit-id')!)).outcome).toBe('BLOCKED');
    const binary = await original(A.kommunenummer, reader, msgIdA);
    const binaryBody = await binary.text();
    expect(binary.status).toBe(403);
    expect(binaryBody).toContain('suppressed');
    expect(binaryBody).not.toMatch(/Alfasen|Praktisk|MsgHead/);
    expect((await auditRow(binary.headers.get('x-audit-id')!)).outcome).toBe('BLOCKED');
    // Patient B in kommune B is not affected by A's block.
    const readerB = await hub.token({ client: 'epj', scopes: ['patients:read'], kommuner: [B.kommunenummer] });
    expect(((await (await fhirSearch(B.kommunenummer, readerB, patientB)).json()) as { total: number }).total).toBe(1);

    const unblocked = await me(A.kommunenummer, self, 'blocking', 'DELETE');
    expect(await unblocked.json()).toMatchObject({ blocked: false });
    expect(((await (await fhirSearch(A.kommunenummer, reader, patientA)).json()) as { total: number }).total).toBe(1);
    expect((await original(A.kommunenummer, reader, msgIdA)).status).toBe(200);
    const log = (await (await me(A.kommunenummer, self, 'access-log')).json()) as { entries: Array<Record<string, any>> };
    await eventually(async () => {
      const entries = ((await (await me(A.kommunenummer, self, 'access-log')).json()) as { entries: Array<Record<string, any>> }).entries;
      return ['BLOCK', 'UNBLOCK'].every((a) => entries.some((e) => e.action === a && e.client === 'helsenorge')) || undefined;
    });
    expect(log.entries.some((e) => e.outcome === 'BLOCKED')).toBe(true);
  });

  it('keeps a block after the audit projection is rebuilt from the topic (it is an event on the log)', async () => {
    const self = await hub.token({ client: 'helsenorge', scopes: ['patient:self'], kommuner: [A.kommunenummer], pid: patientA });
    const block = await me(A.kommunenummer, self, 'blocking', 'PUT');
    expect(block.status).toBe(200);
    const { auditId } = (await block.json()) as { auditId: string };
    await hub.close();
    // Rebuild: the projection's tables and offsets are emptied; only the audit topic remains.
    await db.query('TRUNCATE audit_log, patient_blocks, audit_projection_offsets');
    hub = await startHub([A, B]);
    // A new hub has a new development issuer key: tokens are minted again.
    const reader = await hub.token({ client: 'epj', scopes: ['patients:read'], kommuner: [A.kommunenummer] });
    const selfAgain = await hub.token({ client: 'helsenorge', scopes: ['patient:self'], kommuner: [A.kommunenummer], pid: patientA });
    const state = await eventually(async () => {
      const response = (await (await me(A.kommunenummer, selfAgain, 'blocking')).json()) as { blocked: boolean };
      return response.blocked ? response : undefined;
    }, 60000);
    expect(state.blocked).toBe(true);
    expect(((await (await overview(A.kommunenummer, reader, patientA)).json()) as Record<string, unknown>).blocked).toBe(true);
    // The block came back from the topic (its own audit event, same id), with the audit trail.
    expect((await db.query('SELECT audit_id FROM patient_blocks WHERE audit_id = $1', [auditId])).rowCount).toBe(1);
    expect((await auditRow(auditId)).action).toBe('BLOCK');
    expect((await me(A.kommunenummer, selfAgain, 'blocking', 'DELETE')).status).toBe(200);
  });

  it('fails the read with 503 and returns no data when the audit event cannot be written (Kafka unreachable)', async () => {
    const broken = await startHub([A, B], { KAFKA_BROKERS: '127.0.0.1:1' });
    try {
      const reader = await broken.token({ client: 'epj', scopes: ['patients:read'], kommuner: [A.kommunenummer] });
      const started = Date.now();
      const json = await overview(A.kommunenummer, reader, patientA, 'TREAT', broken.baseUrl);
      const body = await json.text();
      expect(json.status).toBe(503);
      expect(json.headers.get('retry-after')).toBe('5');
      expect(body).not.toMatch(/Alfasen|Praktisk|services/);
      const fhir = await fhirSearch(A.kommunenummer, reader, patientA, 'TREAT', broken.baseUrl);
      expect(fhir.status).toBe(503);
      expect(await fhir.text()).not.toMatch(/Alfasen|Praktisk|EpisodeOfCare"/);
      // Bounded: the reader is not kept waiting for long.
      expect(Date.now() - started).toBeLessThan(60000);
    } finally {
      await broken.close();
    }
  });
});
