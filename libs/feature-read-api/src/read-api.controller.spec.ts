import { request as httpRequest } from 'node:http';
import { buildPatientOverview } from '@hub/projections';
import { fnr } from '@hub/testing';
import { PUBLIC_BASE_URL, startControllers, ControllerHarness, UNSERVED_KOMMUNE } from '../../../test/support/controller-harness';
import { OriginalMessageService } from './original-message.service';
import { PatientReadService, PatientQuery } from './patient-read.service';
import { ReadApiModule } from './read-api.module';
import { SubscriptionService } from './subscription.service';
import { WebSignInService } from './web-sign-in.service';
import { AuditUnavailableException, AuditWriter } from '@hub/platform';

const KNR = '0301';
const PATIENT = fnr('1944-04-04', 402);
const OTHER_PATIENT = fnr('1950-05-05', 123);
const FNR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.1';
const EMPTY = { patients: [], services: [], serviceNeeds: [], diagnoses: [], events: [], messages: [] };

/**
 * The read API's HTTP edge (FHIR and JSON), with the services faked: every route's refusals
 * (400, 401, 403, 404, 413, 415, 503) and the probe's findings 5, 6, 8 and 9 (issue #13).
 */
describe('read API controllers (HTTP edge)', () => {
  let hub: ControllerHarness;
  let reader: string;
  const reads = { read: jest.fn() };
  const originals = { read: jest.fn() };

  beforeAll(async () => {
    hub = await startControllers(ReadApiModule, [
      [PatientReadService, reads],
      [OriginalMessageService, originals],
      [AuditWriter, {}],
      // The web page's sign-in has its own routes and tests (web-sign-in e2e); not under test here.
      [WebSignInService, {}],
      // Subscriptions have their own spec (subscription.controller.spec.ts).
      [SubscriptionService, {}],
    ]);
    reader = await hub.token({ scopes: ['patients:read'], kommuner: [KNR] });
  });
  afterAll(() => hub.close());
  beforeEach(() => {
    reads.read.mockReset().mockImplementation(async (q: PatientQuery) => ({ overview: buildPatientOverview(EMPTY, `p-${q.identifier.value.length}`, '2026-12-04'), found: false, blocked: false, auditId: 'audit-1' }));
    originals.read.mockReset().mockResolvedValue({ message: undefined, blocked: false, auditId: 'audit-2' });
  });

  const call = async (path: string, init: { method?: string; token?: string | null; purpose?: string | null; type?: string; body?: string; accept?: string } = {}) => {
    const headers: Record<string, string> = {};
    const token = init.token === undefined ? reader : init.token;
    if (token) headers.Authorization = `Bearer ${token}`;
    if (init.purpose !== null) headers['X-Purpose-Of-Use'] = init.purpose ?? 'TREAT';
    if (init.type) headers['Content-Type'] = init.type;
    if (init.accept) headers.Accept = init.accept;
    const response = await fetch(`${hub.baseUrl}${path}`, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers, body: init.body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as Record<string, any> };
  };
  const overview = (body: unknown, init: { token?: string | null; purpose?: string | null; type?: string } = {}) =>
    call(`/api/v1/kommuner/${KNR}/patient-overview`, { type: 'application/json', ...init, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const search = (type: string, form: Record<string, string>, init: { token?: string | null; purpose?: string | null } = {}) =>
    call(`/fhir/${KNR}/${type}/_search`, { type: 'application/x-www-form-urlencoded', body: new URLSearchParams(form).toString(), ...init });

  describe('JSON patient overview', () => {
    it('answers 200 with the service result and its audit id in a header, and times the route', async () => {
      const r = await overview({ identifierType: 'FNR', identifier: PATIENT });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-audit-id')).toBe('audit-1');
      expect(r.json()).toMatchObject({ kommunenummer: KNR, found: false });
      expect(reads.read).toHaveBeenCalledWith(expect.objectContaining({ kommunenummer: KNR, identifier: { type: 'FNR', value: PATIENT }, purposeOfUse: 'TREAT', action: 'READ' }));
      const timed = (await hub.metrics.registry.getSingleMetricAsString('hendelseslager_read_duration_seconds')).match(/route="json.patient-overview"/g);
      expect(timed?.length).toBeGreaterThan(0);
    });

    it('401 without a token, 403 without the scope, for another kommune, or without a purpose of use', async () => {
      expect((await overview({ identifier: PATIENT }, { token: null })).status).toBe(401);
      expect((await overview({ identifier: PATIENT }, { token: await hub.token({ scopes: ['audit:read'], kommuner: [KNR] }) })).status).toBe(403);
      const foreign = await overview({ identifier: PATIENT }, { token: await hub.token({ scopes: ['patients:read'], kommuner: ['5001'] }) });
      expect(foreign.status).toBe(403);
      // The kommune comes from the path the client wrote: a fixed text, never the value (probe finding 5).
      expect(foreign.text).not.toContain(KNR);
      const refusedBefore = hub.refusals.length;
      const noPurpose = await overview({ identifier: PATIENT }, { purpose: null });
      expect(noPurpose.status).toBe(403);
      expect(noPurpose.json().code).toBe('purpose_of_use_required');
      // Refused after the guard, and audited like the guard's own refusals (probe finding 4).
      expect(hub.refusals.slice(refusedBefore)).toEqual([{ status: 403, reason: 'purpose_of_use_required' }]);
      expect((await overview({ identifier: PATIENT }, { purpose: 'SPYING' })).status).toBe(403);
      expect(reads.read).not.toHaveBeenCalled();
    });

    it('403 for a token of a person signed in below security level 4, audited; level 4 and system tokens read', async () => {
      const refusedBefore = hub.refusals.length;
      for (const securityLevel of [3, 2, 0]) {
        const low = await overview({ identifier: PATIENT }, { token: await hub.token({ scopes: ['patients:read'], kommuner: [KNR], securityLevel }) });
        expect(low.status).toBe(403);
        expect(low.json().code).toBe('insufficient_security_level');
        const fhir = await search('Condition', { 'patient.identifier': `${FNR_SYSTEM}|${PATIENT}` }, { token: await hub.token({ scopes: ['patients:read'], kommuner: [KNR], securityLevel }) });
        expect(fhir.status).toBe(403);
      }
      expect(hub.refusals.slice(refusedBefore)).toEqual(Array.from({ length: 6 }, () => ({ status: 403, reason: 'security_level' })));
      expect(reads.read).not.toHaveBeenCalled();
      expect((await overview({ identifier: PATIENT }, { token: await hub.token({ scopes: ['patients:read'], kommuner: [KNR], securityLevel: 4 }) })).status).toBe(200);
      expect((await overview({ identifier: PATIENT })).status).toBe(200);
    });

    it('400, not 500, for a field of the wrong type (probe finding 6: {"identifierType": 5})', async () => {
      for (const body of [{ identifierType: 5, identifier: PATIENT }, { identifier: 12345678901 }, { identifier: [PATIENT] }, [PATIENT], 'null']) {
        const r = await overview(body);
        expect(r.status).toBe(400);
        expect(r.json().code).toMatch(/^(invalid_request|invalid_identifier|invalid_body)$/);
      }
      expect(reads.read).not.toHaveBeenCalled();
    });

    it('400 for an identifier of the wrong type, shape or checksum, without repeating it', async () => {
      const badChecksum = `${PATIENT.slice(0, 10)}${(Number(PATIENT[10]) + 1) % 10}`;
      for (const body of [{ identifierType: 'PASSPORT', identifier: PATIENT }, { identifier: '123' }, { identifier: badChecksum }]) {
        const r = await overview(body);
        expect(r.status).toBe(400);
        expect(r.json().code).toBe('invalid_identifier');
        expect(r.text).not.toContain(badChecksum);
      }
    });

    it('415 for a body that is not JSON; 413 over the 32 kB limit', async () => {
      expect((await overview(`identifier=${PATIENT}`, { type: 'application/x-www-form-urlencoded' })).status).toBe(415);
      expect((await overview(JSON.stringify({ identifier: PATIENT }), { type: 'text/plain' })).status).toBe(415);
      const large = await overview({ identifier: PATIENT, padding: 'x'.repeat(40 * 1024) });
      expect(large.status).toBe(413);
    });

    it('400 for malformed JSON with a fixed text and the position, never the body (probe finding 5)', async () => {
      const r = await overview(`{"identifier": "${PATIENT}", oops}`);
      expect(r.status).toBe(400);
      expect(r.text).not.toContain(PATIENT);
      expect(r.text).not.toContain('oops');
      expect(r.json().detail).toMatch(/^Request body is not valid JSON/);
    });

    it('503 with Retry-After when the audit log is unavailable', async () => {
      reads.read.mockRejectedValue(new AuditUnavailableException('broker said no'));
      const r = await overview({ identifier: PATIENT });
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('5');
      expect(r.json()).toEqual({ status: 503, code: 'audit_unavailable', detail: expect.any(String) });
      expect(r.text).not.toContain('broker');
    });

    it('500 with an error id and no message for an unexpected error', async () => {
      reads.read.mockRejectedValue(new Error(`database exploded near ${PATIENT}`));
      const r = await overview({ identifier: PATIENT });
      expect(r.status).toBe(500);
      expect(r.json()).toEqual({ status: 500, code: 'internal_error', detail: 'Internal error', errorId: expect.any(String) });
    });
  });

  describe('FHIR', () => {
    it('answers a search with a searchset Bundle (fhir+json), its audit id, and the read timed per resource type', async () => {
      const r = await search('Condition', { 'patient.identifier': `${FNR_SYSTEM}|${PATIENT}` });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
      expect(r.headers.get('x-audit-id')).toBe('audit-1');
      expect(r.json()).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 0 });
      expect(await hub.metrics.registry.getSingleMetricAsString('hendelseslager_read_duration_seconds')).toContain('route="fhir.Condition"');
    });

    it('401, 403 (scope, purpose) as before; refusals after the token check are OperationOutcomes', async () => {
      expect((await search('Condition', { 'patient.identifier': `${FNR_SYSTEM}|${PATIENT}` }, { token: null })).status).toBe(401);
      const noPurpose = await search('Condition', { 'patient.identifier': `${FNR_SYSTEM}|${PATIENT}` }, { purpose: null });
      expect(noPurpose.status).toBe(403);
      expect(noPurpose.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'forbidden' }] });
    });

    it('404 for a kommune the hub does not serve, in each route format, before anything is read', async () => {
      const everywhere = await hub.token({ scopes: ['patients:read'], kommuner: ['*'] });
      const fhir = await call(`/fhir/${UNSERVED_KOMMUNE}/Condition?patient.identifier=${encodeURIComponent(`${FNR_SYSTEM}|${PATIENT}`)}`, { token: everywhere });
      expect(fhir.status).toBe(404);
      expect(fhir.json()).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found', diagnostics: 'This hub does not serve the kommune in the path' }] });
      const json = await call(`/api/v1/kommuner/${UNSERVED_KOMMUNE}/patient-overview`, { token: everywhere, type: 'application/json', body: JSON.stringify({ identifier: PATIENT }) });
      expect(json.status).toBe(404);
      expect(json.json()).toEqual({ status: 404, code: 'kommune_not_served', detail: 'This hub does not serve the kommune in the path' });
      expect(reads.read).not.toHaveBeenCalled();
    });

    it('404 for a resource type that is not served, without repeating it; 400 for unknown parameters', async () => {
      const r = await search('Patient12345678901', { 'patient.identifier': `${FNR_SYSTEM}|${PATIENT}` });
      expect(r.status).toBe(404);
      expect(r.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-supported' }] });
      expect(r.text).not.toContain('12345678901');
      const unknown = await call(`/fhir/${KNR}/Condition?patient.identifier=${encodeURIComponent(`${FNR_SYSTEM}|${PATIENT}`)}&x${PATIENT}=1`);
      expect(unknown.status).toBe(400);
      expect(unknown.text).not.toContain(PATIENT);
    });

    it('400 for a bad date value with a fixed text and its position, never the value (probe finding 5)', async () => {
      const r = await call(`/fhir/${KNR}/Condition?patient.identifier=${encodeURIComponent(`${FNR_SYSTEM}|${PATIENT}`)}&date=ge2020&date=${PATIENT}`);
      expect(r.status).toBe(400);
      expect(r.json().issue[0].diagnostics).toMatch(/^date value 2 /);
      expect(r.text).not.toContain(PATIENT);
    });

    it('400, not 500, for JSON search parameters of the wrong type (probe finding 6)', async () => {
      for (const body of [{ 'patient.identifier': 5 }, { 'patient.identifier': `${FNR_SYSTEM}|${PATIENT}`, _count: { n: 1 } }, { 'patient.identifier': `${FNR_SYSTEM}|${PATIENT}`, _page: ['a', 'b'] }]) {
        const r = await call(`/fhir/${KNR}/Condition/_search`, { type: 'application/json', body: JSON.stringify(body) });
        expect(r.status).toBe(400);
        expect(r.json().resourceType).toBe('OperationOutcome');
      }
    });

    it('415 for a _search body that is neither a form nor JSON; 413 over the limit', async () => {
      expect((await call(`/fhir/${KNR}/Condition/_search`, { type: 'text/plain', body: `patient.identifier=${FNR_SYSTEM}|${PATIENT}` })).status).toBe(415);
      const large = await search('Condition', { 'patient.identifier': `${FNR_SYSTEM}|${PATIENT}`, status: 'x'.repeat(40 * 1024) });
      expect(large.status).toBe(413);
    });

    it('503 OperationOutcome (transient) with Retry-After when the audit log is unavailable', async () => {
      reads.read.mockRejectedValue(new AuditUnavailableException('down'));
      const r = await search('EpisodeOfCare', { 'patient.identifier': `${FNR_SYSTEM}|${PATIENT}` });
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('5');
      expect(r.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'transient' }] });
    });

    it('builds links from the configured public base URL, never from the Host header (probe finding 9)', async () => {
      const body = new URLSearchParams({ 'patient.identifier': `${FNR_SYSTEM}|${PATIENT}` }).toString();
      const answer = await new Promise<string>((resolve, reject) => {
        const req = httpRequest(`${hub.baseUrl}/fhir/${KNR}/Condition/_search`, {
          method: 'POST',
          headers: { Host: 'attacker.example', Authorization: `Bearer ${reader}`, 'X-Purpose-Of-Use': 'TREAT', 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-Host': 'attacker.example' },
        });
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks).toString()));
        });
        req.on('error', reject);
        req.end(body);
      });
      expect(answer).not.toContain('attacker.example');
      const bundle = JSON.parse(answer) as { link: Array<{ url: string }> };
      expect(bundle.link.length).toBeGreaterThan(0);
      for (const link of bundle.link) expect(link.url.startsWith(`${PUBLIC_BASE_URL}/fhir/${KNR}/Condition?_page=`)).toBe(true);
      const metadata = await call(`/fhir/${KNR}/metadata`);
      expect(metadata.text).toContain(`${PUBLIC_BASE_URL}/fhir/${KNR}`);
    });

    describe('page tokens (probe finding 8)', () => {
      const selfLink = async (): Promise<string> => {
        const first = await search('Condition', { 'patient.identifier': `${FNR_SYSTEM}|${PATIENT}` });
        return (first.json().link as Array<{ relation: string; url: string }>).find((l) => l.relation === 'self')!.url.slice(PUBLIC_BASE_URL.length);
      };

      it('continue the search for the client that got them', async () => {
        const r = await call(await selfLink());
        expect(r.status).toBe(200);
        expect(reads.read).toHaveBeenLastCalledWith(expect.objectContaining({ identifier: { type: 'FNR', value: PATIENT } }));
      });

      it('are refused for another client, even with the same scopes and kommune', async () => {
        const other = await hub.token({ client: 'another-client', scopes: ['patients:read'], kommuner: [KNR] });
        const r = await call(await selfLink(), { token: other });
        expect(r.status).toBe(400);
        expect(reads.read).toHaveBeenCalledTimes(1);
      });

      it('never silently replace an explicit patient.identifier: another patient is a 400, the same one is accepted', async () => {
        const link = await selfLink();
        const conflicting = await call(`${link}&patient.identifier=${encodeURIComponent(`${FNR_SYSTEM}|${OTHER_PATIENT}`)}`);
        expect(conflicting.status).toBe(400);
        expect(conflicting.text).not.toContain(OTHER_PATIENT);
        const same = await call(`${link}&patient.identifier=${encodeURIComponent(`${FNR_SYSTEM}|${PATIENT}`)}`);
        expect(same.status).toBe(200);
        expect(reads.read).toHaveBeenCalledTimes(2);
        expect(reads.read).not.toHaveBeenCalledWith(expect.objectContaining({ identifier: expect.objectContaining({ value: OTHER_PATIENT }) }));
      });
    });

    it('Binary: 400 for a malformed id, 404 and 403 (blocked) with the audit id of the attempt', async () => {
      expect((await call(`/fhir/${KNR}/Binary/${'x'.repeat(80)}`)).status).toBe(400);
      const missing = await call(`/fhir/${KNR}/Binary/abc`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('x-audit-id')).toBe('audit-2');
      expect(missing.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
      originals.read.mockResolvedValue({ message: undefined, blocked: true, auditId: 'audit-3' });
      const blocked = await call(`/fhir/${KNR}/Binary/abc`);
      expect(blocked.status).toBe(403);
      expect(blocked.headers.get('x-audit-id')).toBe('audit-3');
      expect(blocked.json()).toMatchObject({ issue: [{ code: 'suppressed' }] });
      expect((await call(`/fhir/${KNR}/Binary/abc`, { purpose: null })).status).toBe(403);
    });

    it('Binary: the bytes exactly as received (declared type, attachment, ETag, audit id), or a FHIR Binary for a JSON Accept', async () => {
      // ISO-8859-1 bytes that are not valid UTF-8: any re-encoding would change them.
      const payload = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><M>'), Buffer.from([0xe6, 0xf8, 0xe5]), Buffer.from('</M>')]);
      const message = { binaryId: 'bin-1', msgId: 'msg-1', contentType: 'text/xml', sha256: 'abc123', payload };
      originals.read.mockResolvedValue({ message, blocked: false, auditId: 'audit-4' });
      const response = await fetch(`${hub.baseUrl}/fhir/${KNR}/Binary/bin-1`, { headers: { Authorization: `Bearer ${reader}`, 'X-Purpose-Of-Use': 'TREAT' } });
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(payload)).toBe(true);
      // The declared type, completed by Express as before (a text type gets its charset).
      expect(response.headers.get('content-type')).toBe('text/xml; charset=utf-8');
      expect(response.headers.get('content-length')).toBe(String(payload.length));
      expect(response.headers.get('content-disposition')).toBe('attachment; filename="bin-1.xml"');
      expect([response.headers.get('etag'), response.headers.get('x-content-sha256'), response.headers.get('x-audit-id')]).toEqual(['"abc123"', 'abc123', 'audit-4']);
      const asFhir = await call(`/fhir/${KNR}/Binary/bin-1`, { accept: 'application/fhir+json' });
      expect(asFhir.status).toBe(200);
      expect(asFhir.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
      expect(asFhir.headers.get('content-disposition')).toBeNull();
      expect([asFhir.headers.get('etag'), asFhir.headers.get('x-audit-id')]).toEqual(['"abc123"', 'audit-4']);
      expect(asFhir.json()).toMatchObject({ resourceType: 'Binary', id: 'bin-1', contentType: 'text/xml', data: payload.toString('base64') });
    });

    describe('Provenance by patient, Patient by identifier, and _include of the Patient', () => {
      const source = { msgId: '0b6f8a52-6c1a-4c1e-9b9e-3f1d2a7c5e01', msgType: 'EPIKRISE', reportedAt: '2024-05-10T12:05:00', reportedBy: 'Sykehuset', receivedAt: '2024-05-10T12:06:00.000Z', originalId: 'orig-1' };
      const withRecord = (q: PatientQuery, blocked = false) => {
        const overview = buildPatientOverview(EMPTY, 'AbC_dEf-123', '2026-12-04');
        overview.patient = { id: 'AbC_dEf-123', familyName: 'Nordmann', givenName: 'Kari', birthDate: '1944-04-04', sex: '2' };
        overview.diagnoses = [{
          id: 'd1', codeSystem: '2.16.578.1.12.4.1.1.7110', code: 'I50', display: 'Hjertesvikt', text: null, isMain: 'true', firstReported: '2024-05-10T12:05:00', lastReported: '2024-05-10T12:05:00',
          startDate: null, endDate: null, retracted: false, contexts: ['EPIKRISE'], codeSystemMismatch: false, sources: [source],
        }];
        overview.messages = [{ msgId: source.msgId, msgType: 'EPIKRISE', standard: 'Epikrise', standardVersion: '1.2', status: null, genDate: '2024-05-10T12:05:00', receivedAt: source.receivedAt, sender: 'Sykehuset', documentState: null, projected: true, originalId: 'orig-1' }];
        return { overview, found: true, blocked, auditId: `audit-${q.resource}` };
      };
      const token = `${FNR_SYSTEM}|${PATIENT}`;

      it('Provenance: every source message of the patient, audited as a Provenance search', async () => {
        reads.read.mockImplementation(async (q: PatientQuery) => withRecord(q));
        const r = await search('Provenance', { 'patient.identifier': token });
        expect(r.status).toBe(200);
        expect(r.headers.get('x-audit-id')).toBe('audit-Provenance');
        expect(reads.read).toHaveBeenCalledWith(expect.objectContaining({ action: 'SEARCH', resource: 'Provenance', purposeOfUse: 'TREAT', identifier: { type: 'FNR', value: PATIENT } }));
        const bundle = r.json();
        expect(bundle.total).toBe(1);
        expect(bundle.entry[0].resource).toMatchObject({ resourceType: 'Provenance', target: [{ reference: 'Condition/d1' }], entity: [{ what: { reference: 'Binary/orig-1' } }] });
        expect(bundle.entry[0].search.mode).toBe('match');
      });

      it('Patient: the demographics with the identifier searched with, and no identifier in any URL', async () => {
        reads.read.mockImplementation(async (q: PatientQuery) => withRecord(q));
        const r = await search('Patient', { identifier: token });
        expect(r.status).toBe(200);
        expect(r.headers.get('x-audit-id')).toBe('audit-Patient');
        const patient = r.json().entry[0].resource;
        expect(patient).toMatchObject({
          resourceType: 'Patient', identifier: [{ system: FNR_SYSTEM, value: PATIENT }], name: [{ family: 'Nordmann', given: ['Kari'] }], gender: 'female', birthDate: '1944-04-04',
          meta: { source: `urn:uuid:${source.msgId}` },
        });
        expect(patient.id).toMatch(/^[0-9a-f]+$/);
        expect(JSON.stringify(r.json().link)).not.toContain(PATIENT);
        reads.read.mockImplementation(async (q: PatientQuery) => ({ ...withRecord(q), overview: buildPatientOverview(EMPTY, 'x', '2026-12-04'), found: false }));
        expect((await search('Patient', { identifier: token })).json()).toMatchObject({ total: 0 });
      });

      it('_include=Condition:subject adds the Patient once, as an include, and the audit names it', async () => {
        reads.read.mockImplementation(async (q: PatientQuery) => withRecord(q));
        const r = await search('Condition', { 'patient.identifier': token, _include: 'Condition:subject', _revinclude: 'Provenance:target' });
        expect(r.status).toBe(200);
        expect(reads.read).toHaveBeenCalledWith(expect.objectContaining({ resource: 'Condition,Patient' }));
        expect(r.json().entry.map((e: any) => `${e.search.mode} ${e.resource.resourceType}`)).toEqual(['match Condition', 'include Patient', 'include Provenance']);
        const without = await search('Condition', { 'patient.identifier': token });
        expect(without.json().entry.map((e: any) => e.resource.resourceType)).toEqual(['Condition']);
        expect(reads.read).toHaveBeenLastCalledWith(expect.objectContaining({ resource: 'Condition' }));
      });

      it('a blocked record answers only the blocked OperationOutcome, for Patient, Provenance and with _include', async () => {
        reads.read.mockImplementation(async (q: PatientQuery) => withRecord(q, true));
        for (const [type, form] of [['Patient', { identifier: token }], ['Provenance', { 'patient.identifier': token }], ['Encounter', { 'patient.identifier': token, _include: 'Encounter:subject' }]] as const) {
          const r = await search(type, form);
          expect([type, r.status]).toEqual([type, 200]);
          const bundle = r.json();
          expect(bundle.entry).toHaveLength(1);
          expect(bundle.entry[0]).toMatchObject({ resource: { resourceType: 'OperationOutcome', issue: [{ code: 'suppressed' }] }, search: { mode: 'outcome' } });
          expect(r.text).not.toContain('Nordmann');
        }
      });

      it('401 without a token, 403 without the scope, for another kommune, or without a purpose of use; nothing read', async () => {
        const other = await hub.token({ scopes: ['patients:read'], kommuner: ['5001'] });
        const noScope = await hub.token({ scopes: ['messages:write'], kommuner: [KNR] });
        for (const [type, form] of [['Patient', { identifier: token }], ['Provenance', { 'patient.identifier': token }]] as const) {
          expect([type, (await search(type, form, { token: null })).status]).toEqual([type, 401]);
          expect([type, (await search(type, form, { token: noScope })).status]).toEqual([type, 403]);
          expect([type, (await search(type, form, { token: other })).status]).toEqual([type, 403]);
          const noPurpose = await search(type, form, { purpose: null });
          expect([type, noPurpose.status, noPurpose.json().resourceType]).toEqual([type, 403, 'OperationOutcome']);
        }
        expect(reads.read).not.toHaveBeenCalled();
      });

      it('400 OperationOutcome for the wrong identifier parameter, filters they do not have, a foreign _include, a bad identifier; never repeating it', async () => {
        const refused: Array<[string, Record<string, string>]> = [
          ['Patient', { 'patient.identifier': token }],
          ['Patient', {}],
          ['Provenance', { identifier: token }],
          ['Provenance', { 'patient.identifier': token, status: 'active' }],
          ['Provenance', { 'patient.identifier': token, date: 'ge2020' }],
          ['Patient', { identifier: token, _include: 'Condition:subject' }],
          ['Condition', { 'patient.identifier': token, _include: 'Encounter:subject' }],
          ['EpisodeOfCare', { 'patient.identifier': token, _include: 'EpisodeOfCare:subject' }],
          ['Patient', { identifier: `${FNR_SYSTEM}|${PATIENT.slice(0, 10)}9` }],
        ];
        for (const [type, form] of refused) {
          const r = await search(type, form);
          expect([type, form, r.status, r.json().resourceType]).toEqual([type, form, 400, 'OperationOutcome']);
          expect(r.text).not.toContain(PATIENT.slice(0, 10));
        }
        // GET keeps working for clients that need it (the identifier in the query, never in the path).
        expect((await call(`/fhir/${KNR}/Provenance?patient.identifier=${encodeURIComponent(token)}`)).status).toBe(200);
      });
    });

    describe("the project's conformance resources (StructureDefinition, CodeSystem, ValueSet)", () => {
      const PROFILE_URL = 'http://hendelseslager.example/fhir/StructureDefinition/hendelseslager-condition';

      it('read by id without a token, as metadata: the file as it is in libs/fhir/structure-definitions', async () => {
        const r = await call(`/fhir/${KNR}/StructureDefinition/hendelseslager-condition`, { token: null, purpose: null });
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
        expect(r.json()).toMatchObject({ resourceType: 'StructureDefinition', id: 'hendelseslager-condition', url: PROFILE_URL, type: 'Condition' });
        expect((await call(`/fhir/${KNR}/CodeSystem/service-ended-by`, { token: null })).json()).toMatchObject({ resourceType: 'CodeSystem', id: 'service-ended-by' });
        expect(reads.read).not.toHaveBeenCalled();
      });

      it('search: a searchset Bundle, filtered by url, type and _id, by GET and POST', async () => {
        const all = (await call(`/fhir/${KNR}/StructureDefinition`, { token: null })).json();
        expect(all).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
        expect(all.total).toBe(all.entry.length);
        expect(all.entry.map((e: any) => e.resource.id)).toEqual(expect.arrayContaining(['hendelseslager-condition', 'service-amount', 'source-message']));
        expect(all.entry.every((e: any) => e.resource.resourceType === 'StructureDefinition' && e.fullUrl === `${PUBLIC_BASE_URL}/fhir/${KNR}/StructureDefinition/${e.resource.id}`)).toBe(true);
        const byUrl = (await call(`/fhir/${KNR}/StructureDefinition?url=${encodeURIComponent(PROFILE_URL)}`)).json();
        expect(byUrl.entry.map((e: any) => e.resource.id)).toEqual(['hendelseslager-condition']);
        const extensions = (await call(`/fhir/${KNR}/StructureDefinition?type=Extension`)).json();
        expect(extensions.total).toBeGreaterThan(3);
        expect(extensions.entry.every((e: any) => e.resource.type === 'Extension')).toBe(true);
        const posted = await call(`/fhir/${KNR}/ValueSet/_search`, { type: 'application/x-www-form-urlencoded', body: '_id=service-ended-by', token: null });
        expect([posted.status, posted.json().entry.map((e: any) => e.resource.id)]).toEqual([200, ['service-ended-by']]);
      });

      it('404 OperationOutcome for an unknown id or a type not read by id; 400 for a malformed id or an unknown search parameter', async () => {
        const missing = await call(`/fhir/${KNR}/StructureDefinition/no-such-profile`, { token: null });
        expect(missing.status).toBe(404);
        expect(missing.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
        const condition = await call(`/fhir/${KNR}/Condition/${PATIENT}`);
        expect(condition.status).toBe(404);
        expect(condition.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-supported' }] });
        expect(condition.text).not.toContain(PATIENT);
        expect((await call(`/fhir/${KNR}/StructureDefinition/${'x'.repeat(80)}`)).status).toBe(400);
        const unknown = await call(`/fhir/${KNR}/StructureDefinition?patient.identifier=${PATIENT}`);
        expect(unknown.status).toBe(400);
        expect(unknown.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'invalid' }] });
        expect(unknown.text).not.toContain(PATIENT);
      });
    });

    it('Binary: the bytes as received with their content type, or a FHIR Binary', async () => {
      const payload = Buffer.from('<MsgHead/>');
      originals.read.mockResolvedValue({ message: { binaryId: 'abc', contentType: 'application/xml', payload, msgId: 'm', sha256: 'h' }, blocked: false, auditId: 'audit-4' });
      const raw = await call(`/fhir/${KNR}/Binary/abc`);
      expect(raw.status).toBe(200);
      expect(raw.text).toBe('<MsgHead/>');
      expect(raw.headers.get('etag')).toBe('"h"');
      const fhir = await call(`/fhir/${KNR}/Binary/abc`, { accept: 'application/fhir+json' });
      expect(fhir.json()).toMatchObject({ resourceType: 'Binary', contentType: 'application/xml' });
    });
  });

  it('answers an unknown path with a fixed text, never the path (probe finding 5)', async () => {
    const r = await call(`/fhir/${KNR}/Condition/x/${PATIENT}`);
    expect(r.status).toBe(404);
    expect(r.text).not.toContain(PATIENT);
    expect(r.json()).toEqual({ status: 404, code: 'not_found', detail: 'No such resource' });
  });
});
