import { randomUUID } from 'node:crypto';
import { AuditRecord, AvroCodec, TopicNames } from '@hub/contracts';
import { buildMessage, dnr, fnr } from '@hub/testing';
import { fhirProblems } from '../support/fhir-validation';
import { eventually, HubHarness, startHub } from '../support/hub-harness';
import { TEST_KAFKA_BROKERS, TEST_NAMESPACE, TEST_REGISTRY_URL } from '../support/test-env';

type Json = Record<string, any>;

/**
 * Issue 4 end to end: messages with changes and cancellations go in through intake; the FHIR
 * R4 API (EpisodeOfCare, Condition, Encounter, Provenance, Binary, metadata), the JSON
 * overview and the original bytes come out right, every resource valid against the official
 * FHIR R4 JSON schema, paging followed to the end, every read audited.
 */
describe('Read API: FHIR R4, JSON overview and original messages', () => {
  const kommune = { kommunenummer: '9941', navn: 'Lesevik', herIds: ['8841001', '8841002', '8841100'] };
  const other = { kommunenummer: '9942', navn: 'Andrevik', herIds: ['8842001'] };
  const sender = { organisation: [{ name: 'Lesevik kommune', herId: '8841001' }, { name: 'Tildelingskontoret', herId: '8841002' }] };
  const hospital = { organisation: [{ name: 'Lesevik sykehus', herId: '8841500' }, { name: 'Medisinsk avdeling', herId: '8841501' }] };
  const receiver = { organisation: [{ name: 'Lesevik legekontor', herId: '8841100' }] };
  const patientFnr = fnr('1941-07-14', 312);
  const patientDnr = dnr('1975-02-20', 101);
  const patient = { familyName: 'Nordmann', givenName: 'Kari', birthDate: '1941-07-14', sex: '2' as const, fnr: patientFnr };
  const fnrToken = `urn:oid:2.16.578.1.12.4.1.4.1|${patientFnr}`;
  const ids = { orig: randomUUID(), change: randomUUID(), other: randomUUID(), otherCancel: randomUUID(), admitted: randomUUID(), discharged: randomUUID(), gp: randomUUID(), gpCancel: randomUUID(), epikrise: randomUUID(), dnr: randomUUID() };
  const bodies = new Map<string, Buffer>();
  let hub: HubHarness;
  let reader: string;

  const post = async (msgId: string, body: string | Buffer) => {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    bodies.set(msgId, bytes);
    const gateway = await hub.token({ client: 'gateway-lesevik', scopes: ['messages:write'], kommuner: [kommune.kommunenummer] });
    const response = await fetch(`${hub.baseUrl}/v1/messages`, { method: 'POST', headers: { Authorization: `Bearer ${gateway}`, 'Content-Type': 'application/xml' }, body: bytes });
    expect([200, 202]).toContain(response.status);
  };
  const fhirSearch = async (type: string, params: Record<string, string>, method: 'GET' | 'POST' = 'POST', knr = kommune.kommunenummer): Promise<{ status: number; body: Json; url: string }> => {
    const form = new URLSearchParams(params).toString();
    const url = method === 'POST' ? `${hub.baseUrl}/fhir/${knr}/${type}/_search` : `${hub.baseUrl}/fhir/${knr}/${type}?${form}`;
    const response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${reader}`, 'X-Purpose-Of-Use': 'TREAT', Accept: 'application/fhir+json', ...(method === 'POST' ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
      ...(method === 'POST' ? { body: form } : {}),
    });
    return { status: response.status, body: (await response.json()) as Json, url };
  };
  const follow = async (url: string): Promise<Json> => {
    const response = await fetch(url, { headers: { Authorization: `Bearer ${reader}`, 'X-Purpose-Of-Use': 'TREAT' } });
    expect(response.status).toBe(200);
    return (await response.json()) as Json;
  };
  const overview = async (identifierType: string, identifier: string): Promise<Json> => {
    const response = await fetch(`${hub.baseUrl}/api/v1/kommuner/${kommune.kommunenummer}/patient-overview`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${reader}`, 'Content-Type': 'application/json', 'X-Purpose-Of-Use': 'TREAT' },
      body: JSON.stringify({ identifierType, identifier }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Json;
  };
  const expectValid = (resource: Json) => expect(fhirProblems(resource)).toEqual([]);

  beforeAll(async () => {
    hub = await startHub([kommune, other]);
    reader = await hub.token({ client: 'legevakt-epj', scopes: ['patients:read'], kommuner: [kommune.kommunenummer], name: 'Test Sykepleier', hpr: '9144889' });
    const docA = randomUUID();
    const docB = randomUUID();
    const docGp = randomUUID();
    // The cancellation of the GP message arrives before the message it cancels.
    await post(ids.gpCancel, buildMessage({ kind: 'HELSEOPPLYSNINGER_LEGE', version: '1.6', status: 'C', msgId: ids.gpCancel, refToParent: ids.gp, documentId: docGp, genDate: '2024-06-02T09:00:00', sender, receiver, patient }));
    await post(ids.orig, buildMessage({
      kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', status: 'N', msgId: ids.orig, documentId: docA, genDate: '2024-01-02T08:00:00', sender, receiver, patient,
      services: [
        { iplosCode: '15', description: 'Hjemmesykepleie morgen', amount: '1', unit: 'time hver dag', startDate: '2024-01-03' },
        { iplosCode: '5', amount: '0.5', unit: 'time hver dag', startDate: '2024-02-01' },
        { iplosCode: '6', amount: '1', unit: 'stk', startDate: '2023-06-01', endDate: '2024-03-01' },
      ],
    }));
    // The change replaces the document: service 15 gets more hours, service 5 is no longer reported.
    await post(ids.change, buildMessage({
      kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', status: 'M', msgId: ids.change, refToParent: ids.orig, documentId: docA, genDate: '2024-02-10T08:00:00', sender, receiver, patient,
      services: [
        { iplosCode: '15', description: 'Hjemmesykepleie morgen', amount: '2', unit: 'timer hver dag', startDate: '2024-01-03' },
        { iplosCode: '6', amount: '1', unit: 'stk', startDate: '2023-06-01', endDate: '2024-03-01' },
      ],
    }));
    await post(ids.other, buildMessage({
      kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', status: 'N', msgId: ids.other, documentId: docB, genDate: '2024-03-01T08:00:00', sender, receiver, patient,
      services: [{ iplosCode: '12', description: 'Trygghetsalarm', startDate: '2024-03-05' }],
    }));
    await post(ids.otherCancel, buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', status: 'C', msgId: ids.otherCancel, refToParent: ids.other, documentId: docB, genDate: '2024-03-02T08:00:00', sender, receiver, patient }));
    await post(ids.admitted, buildMessage({ kind: 'LOG_INNLAGT', version: '1.6', msgId: ids.admitted, genDate: '2024-05-01T10:05:00', sender: hospital, receiver: sender, patient, events: [{ code: '1', time: '2024-05-01T10:00:00' }] }));
    await post(ids.discharged, buildMessage({ kind: 'LOG_UTSKREVET', version: '1.6', msgId: ids.discharged, genDate: '2024-05-10T12:05:00', sender: hospital, receiver: sender, patient, events: [{ code: '2', time: '2024-05-10T12:00:00' }] }));
    await post(ids.gp, buildMessage({
      kind: 'HELSEOPPLYSNINGER_LEGE', version: '1.6', status: 'N', msgId: ids.gp, documentId: docGp, genDate: '2024-06-01T09:00:00', sender, receiver, patient,
      diagnoses: [{ system: 'ICPC2', code: 'R95', text: 'KOLS', isMain: true }],
    }));
    // Latin-1 bytes: the original must come back byte for byte, not re-encoded.
    await post(ids.epikrise, buildMessage({
      kind: 'EPIKRISE', version: '1.2', msgId: ids.epikrise, genDate: '2024-05-10T13:00:00', sender: hospital, receiver, patient, encoding: 'ISO-8859-1',
      events: [{ code: '1', time: '2024-05-01T10:00:00' }, { code: '2', time: '2024-05-10T12:00:00' }],
      diagnoses: [{ system: 'ICD10', code: 'I50.0', text: 'Hjertesvikt', isMain: true }, { system: 'ICD10', code: 'E11.9', text: 'Diabetes mellitus type 2' }],
    }));
    await post(ids.dnr, buildMessage({
      kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', status: 'N', msgId: ids.dnr, genDate: '2024-04-01T08:00:00', sender, receiver,
      patient: { familyName: 'Kowalski', givenName: 'Jan', birthDate: '1975-02-20', sex: '1', dnr: patientDnr },
      services: [{ iplosCode: '15', description: 'Sårstell', startDate: '2024-04-02' }],
    }));
    // Wait until every message is projected and archived.
    await eventually(async () => {
      const o = await overview('FNR', patientFnr);
      const binary = await fetch(`${hub.baseUrl}/fhir/${kommune.kommunenummer}/Binary/${ids.epikrise}`, { headers: { Authorization: `Bearer ${reader}`, 'X-Purpose-Of-Use': 'TREAT' } });
      return o.messages.length === 9 && o.diagnoses.length === 3 && o.services.length === 3 && binary.status === 200 ? true : undefined;
    }, 90000, 500);
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('JSON overview: services with status, reporter and sources; diagnoses first/last reported and retracted; timeline; summary', async () => {
    const o = await overview('FNR', patientFnr);
    expect(o.found).toBe(true);
    expect(o.patient).toMatchObject({ familyName: 'Nordmann', givenName: 'Kari', birthDate: '1941-07-14' });
    const byCode = new Map<string, Json>(o.services.map((s: Json) => [s.iplosCode, s]));
    expect([...byCode.keys()].sort()).toEqual(['12', '15', '6']);
    expect(byCode.get('15')).toMatchObject({ status: 'active', amount: '2', unit: 'timer hver dag', reportedBy: expect.any(String), sourceType: expect.any(String) });
    expect(byCode.get('15')!.sources.map((s: Json) => s.msgId)).toEqual([ids.change]);
    expect(byCode.get('15')!.sources[0]).toMatchObject({ originalId: ids.change, receivedAt: expect.stringMatching(/Z$/) });
    expect(byCode.get('6')).toMatchObject({ status: 'ended', endedBy: 'sluttdato' });
    // Service 5 was dropped by the change: the document now says nothing about it, so it is gone.
    expect(byCode.has('5')).toBe(false);
    expect(byCode.get('12')).toMatchObject({ status: 'cancelled' });
    const diagnoses = new Map<string, Json>(o.diagnoses.map((d: Json) => [d.code, d]));
    expect(diagnoses.get('R95')).toMatchObject({ retracted: true, isMain: 'true' });
    expect(diagnoses.get('I50.0')).toMatchObject({ retracted: false, isMain: 'true', firstReported: '2024-05-10T13:00:00', lastReported: '2024-05-10T13:00:00' });
    expect(diagnoses.get('E11.9')).toMatchObject({ retracted: false });
    const kinds = o.timeline.map((e: Json) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['ADMITTED', 'DISCHARGED', 'MESSAGE_RECEIVED']));
    expect(kinds.filter((k: string) => k === 'MESSAGE_RECEIVED')).toHaveLength(9);
    expect(o.summary).toMatchObject({ messages: 9, activeServices: 1, diagnoses: 2, retractedDiagnoses: 1, newestMessageReceivedAt: expect.any(String) });
    expect(o.links.originalMessage).toBe(`/fhir/${kommune.kommunenummer}/Binary/{originalId}`);
  });

  it('EpisodeOfCare: POST search pages with _count and a GET-able next link that carries no identifier; Provenance by _revinclude', async () => {
    const first = await fhirSearch('EpisodeOfCare', { 'patient.identifier': fnrToken, _count: '2', _revinclude: 'Provenance:target' });
    expect(first.status).toBe(200);
    expectValid(first.body);
    expect(first.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 3 });
    const matches1 = first.body.entry.filter((e: Json) => e.search.mode === 'match');
    expect(matches1).toHaveLength(2);
    const next = first.body.link.find((l: Json) => l.relation === 'next');
    expect(next).toBeDefined();
    expect(next.url).not.toContain(patientFnr);
    expect(next.url).toMatch(new RegExp(`^${hub.baseUrl}/fhir/${kommune.kommunenummer}/EpisodeOfCare\\?_page=`));
    const second = await follow(next.url);
    expectValid(second);
    const matches2 = second.entry.filter((e: Json) => e.search.mode === 'match');
    expect(matches2).toHaveLength(1);
    expect(second.link.find((l: Json) => l.relation === 'next')).toBeUndefined();
    expect(second.link.find((l: Json) => l.relation === 'previous')).toBeDefined();
    const all = [...matches1, ...matches2].map((e: Json) => e.resource);
    expect(new Set(all.map((r: Json) => r.id)).size).toBe(3);
    const byCode = new Map<string, Json>(all.map((r: Json) => [r.type[0].coding[0].code, r]));
    expect(byCode.get('15')).toMatchObject({ status: 'active', meta: { source: `urn:uuid:${ids.change}` }, period: { start: '2024-01-03' } });
    expect(byCode.get('6')).toMatchObject({ status: 'finished', period: { start: '2023-06-01', end: '2024-03-01' } });
    expect(byCode.get('12')).toMatchObject({ status: 'entered-in-error' });
    // Every matched resource has a Provenance naming it, whose entity is the original message.
    const provenance = [...first.body.entry, ...second.entry].filter((e: Json) => e.search.mode === 'include').map((e: Json) => e.resource);
    for (const r of all) {
      const p = provenance.find((x: Json) => x.target.some((t: Json) => t.reference === `EpisodeOfCare/${r.id}`));
      expect(p).toBeDefined();
      expect(p.entity[0]).toMatchObject({ role: 'source', what: { reference: expect.stringMatching(/^Binary\//) } });
      expect(p.resourceType).toBe('Provenance');
    }
    const p15 = provenance.find((x: Json) => x.target.some((t: Json) => t.reference === `EpisodeOfCare/${byCode.get('15')!.id}`));
    expect(p15.entity[0].what.reference).toBe(`Binary/${ids.change}`);
    expect(p15.agent[0].who.display).toBeTruthy();

    const tampered = await follow(next.url.replace(/_page=(.)/, (_m: string, c: string) => `_page=${c === 'A' ? 'B' : 'A'}`)).catch((e) => e);
    expect(tampered).toBeInstanceOf(Error);
    const other = await fetch(next.url.replace('/EpisodeOfCare?', '/Condition?'), { headers: { Authorization: `Bearer ${reader}`, 'X-Purpose-Of-Use': 'TREAT' } });
    expect(other.status).toBe(400);
  });

  it('status, date and GET search by D-number', async () => {
    const active = await fhirSearch('EpisodeOfCare', { 'patient.identifier': fnrToken, status: 'active' });
    expectValid(active.body);
    expect(active.body.total).toBe(1);
    const dated = await fhirSearch('EpisodeOfCare', { 'patient.identifier': fnrToken, date: 'ge2024-03-02' });
    expect(dated.body.entry.map((e: Json) => e.resource.type[0].coding[0].code).sort()).toEqual(['12', '15']);
    const byDnr = await fhirSearch('EpisodeOfCare', { 'patient.identifier': `urn:oid:2.16.578.1.12.4.1.4.2|${patientDnr}` }, 'GET');
    expect(byDnr.status).toBe(200);
    expectValid(byDnr.body);
    expect(byDnr.body.total).toBe(1);
    expect(byDnr.body.entry[0].resource.patient).toEqual({ identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.2', value: patientDnr } });
    const unknown = await fhirSearch('EpisodeOfCare', { 'patient.identifier': fnrToken, foo: 'bar' });
    expect(unknown.status).toBe(400);
    expectValid(unknown.body);
  });

  it('Condition: live and retracted (entered-in-error, no clinicalStatus) diagnoses validate', async () => {
    const all = await fhirSearch('Condition', { 'patient.identifier': fnrToken, _revinclude: 'Provenance:target' });
    expectValid(all.body);
    const conditions = all.body.entry.filter((e: Json) => e.search.mode === 'match').map((e: Json) => e.resource);
    expect(conditions).toHaveLength(3);
    const retracted = conditions.find((c: Json) => c.code.coding[0].code === 'R95');
    expect(retracted.verificationStatus.coding[0].code).toBe('entered-in-error');
    expect(retracted.clinicalStatus).toBeUndefined();
    expectValid(retracted);
    const hf = conditions.find((c: Json) => c.code.coding[0].code === 'I50.0');
    // The epikrise dates its diagnoses by the stay (the mapper's reading of ReportedEvent), so they end at discharge.
    expect(hf).toMatchObject({ clinicalStatus: { coding: [{ code: 'resolved' }] }, onsetDateTime: '2024-05-01T10:00:00+02:00', meta: { source: `urn:uuid:${ids.epikrise}` } });
    // R4's Condition statuses by their own parameters; R4 has no Condition status, so it is refused, not ignored.
    const onlyRetracted = await fhirSearch('Condition', { 'patient.identifier': fnrToken, 'verification-status': 'entered-in-error' });
    expect(onlyRetracted.body.total).toBe(1);
    expect(onlyRetracted.body.entry[0].resource.code.coding[0].code).toBe('R95');
    const confirmed = await fhirSearch('Condition', { 'patient.identifier': fnrToken, 'verification-status': 'http://terminology.hl7.org/CodeSystem/condition-ver-status|confirmed' });
    expect(confirmed.body.total).toBe(2);
    const resolved = await fhirSearch('Condition', { 'patient.identifier': fnrToken, 'clinical-status': 'resolved' });
    expect(resolved.body.entry.map((e: Json) => e.resource.code.coding[0].code)).toContain('I50.0');
    expect(resolved.body.entry.every((e: Json) => e.resource.clinicalStatus.coding[0].code === 'resolved')).toBe(true);
    const byStatus = await fhirSearch('Condition', { 'patient.identifier': fnrToken, status: 'entered-in-error' });
    expect(byStatus.status).toBe(400);
    expectValid(byStatus.body);
    expect(byStatus.body.issue[0].diagnostics).toEqual(expect.stringContaining('clinical-status or verification-status'));
    expect((await fhirSearch('EpisodeOfCare', { 'patient.identifier': fnrToken, 'clinical-status': 'active' })).status).toBe(400);
  });

  it('Encounter: admission and discharge make one finished stay', async () => {
    const result = await fhirSearch('Encounter', { 'patient.identifier': fnrToken, _revinclude: 'Provenance:target' });
    expectValid(result.body);
    const encounters = result.body.entry.filter((e: Json) => e.search.mode === 'match').map((e: Json) => e.resource);
    expect(encounters).toHaveLength(1);
    expect(encounters[0]).toMatchObject({ status: 'finished', period: { start: '2024-05-01T10:00:00+02:00', end: '2024-05-10T12:00:00+02:00' } });
    const targets = result.body.entry.filter((e: Json) => e.search.mode === 'include').flatMap((e: Json) => e.resource.entity.map((x: Json) => x.what.reference));
    // The hospital reported the stay twice (logistics messages and the epikrise): one Encounter, three sources.
    expect(targets.sort()).toEqual([`Binary/${ids.admitted}`, `Binary/${ids.discharged}`, `Binary/${ids.epikrise}`].sort());
  });

  it('answers JSON only: XML asked by _format or Accept gets 406 with an OperationOutcome, after authentication', async () => {
    const base = `${hub.baseUrl}/fhir/${kommune.kommunenummer}`;
    const auth = { Authorization: `Bearer ${reader}`, 'X-Purpose-Of-Use': 'TREAT' };
    const subscriber = await hub.token({ client: 'legevakt-varsling', scopes: ['subscriptions:write'], kommuner: [kommune.kommunenummer] });
    const asked = async (path: string, headers: Record<string, string>) => {
      const response = await fetch(`${base}/${path}`, { headers });
      return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Json };
    };
    for (const [path, headers] of [
      ['metadata?_format=xml', {}],
      ['metadata', { Accept: 'application/fhir+xml' }],
      ['StructureDefinition?_format=application/fhir%2Bxml', {}],
      [`EpisodeOfCare?_format=xml`, auth],
      ['EpisodeOfCare', { ...auth, Accept: 'application/xml, text/xml' }],
      ['Subscription?_format=xml', { Authorization: `Bearer ${subscriber}` }],
    ] as Array<[string, Record<string, string>]>) {
      const answer = await asked(path, headers);
      expect([path, answer.status, answer.type]).toEqual([path, 406, expect.stringContaining('application/fhir+json')]);
      expectValid(answer.body);
      expect(answer.body.issue[0]).toMatchObject({ code: 'not-supported', diagnostics: expect.stringContaining('JSON only') });
    }
    // JSON by every name, _format over Accept; no token is still 401, not 406.
    expect((await asked('metadata?_format=json', { Accept: 'application/fhir+xml' })).status).toBe(200);
    expect((await asked('metadata', { Accept: 'application/fhir+json; fhirVersion=4.0' })).status).toBe(200);
    expect((await asked('EpisodeOfCare?_format=xml', {})).status).toBe(401);
    // The guard's refusals are OperationOutcomes on FHIR routes too, with their challenge.
    const unauthenticated = await fetch(`${base}/EpisodeOfCare`);
    expect([unauthenticated.status, unauthenticated.headers.get('content-type'), unauthenticated.headers.get('www-authenticate')]).toEqual([401, expect.stringContaining('application/fhir+json'), expect.stringContaining('Bearer')]);
    expectValid((await unauthenticated.json()) as Json);
    const noScope = await asked('Subscription', { Authorization: `Bearer ${reader}` });
    expect([noScope.status, noScope.type, noScope.body.issue[0].code]).toEqual([403, expect.stringContaining('application/fhir+json'), 'forbidden']);
    expectValid(noScope.body);
  });

  it('metadata is a valid CapabilityStatement', async () => {
    const response = await fetch(`${hub.baseUrl}/fhir/${kommune.kommunenummer}/metadata`);
    const body = (await response.json()) as Json;
    expectValid(body);
    expect(body.rest[0].resource.map((r: Json) => r.type)).toEqual(['EpisodeOfCare', 'Condition', 'Encounter', 'Provenance', 'Patient', 'Binary', 'Subscription', 'StructureDefinition', 'CodeSystem', 'ValueSet']);
    // Every search the statement names is one the API runs: Provenance and Patient by identifier, the Patient as _include.
    const byType = new Map<string, Json>((body.rest[0].resource as Json[]).map((r) => [r.type as string, r]));
    expect(byType.get('Patient')!.searchParam.map((p: Json) => p.name)).toContain('identifier');
    expect(byType.get('Provenance')!.searchParam.map((p: Json) => p.name)).toContain('patient');
    expect(byType.get('Condition')!.searchParam.map((p: Json) => p.name)).toEqual(['patient', 'clinical-status', 'verification-status', 'date', '_count']);
    expect(byType.get('Condition')!.searchInclude).toEqual(['Condition:subject']);
  });

  it('Binary: the original bytes exactly as received, audited before the answer, only in the kommune that holds them', async () => {
    const response = await fetch(`${hub.baseUrl}/fhir/${kommune.kommunenummer}/Binary/${ids.epikrise}`, { headers: { Authorization: `Bearer ${reader}`, 'X-Purpose-Of-Use': 'TREAT', Accept: 'application/xml' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/xml/);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.equals(bodies.get(ids.epikrise)!)).toBe(true);
    expect(bytes.toString('latin1')).toContain('encoding="ISO-8859-1"');
    const auditId = response.headers.get('x-audit-id');
    expect(auditId).toMatch(/^[0-9a-f-]{36}$/);

    const asFhir = await fetch(`${hub.baseUrl}/fhir/${kommune.kommunenummer}/Binary/${ids.change}`, { headers: { Authorization: `Bearer ${reader}`, 'X-Purpose-Of-Use': 'TREAT', Accept: 'application/fhir+json' } });
    const binary = (await asFhir.json()) as Json;
    expectValid(binary);
    expect(Buffer.from(binary.data, 'base64').equals(bodies.get(ids.change)!)).toBe(true);

    const missing = await fetch(`${hub.baseUrl}/fhir/${kommune.kommunenummer}/Binary/${randomUUID()}`, { headers: { Authorization: `Bearer ${reader}`, 'X-Purpose-Of-Use': 'TREAT' } });
    expect(missing.status).toBe(404);
    const both = await hub.token({ client: 'two-kommuner', scopes: ['patients:read'], kommuner: [kommune.kommunenummer, other.kommunenummer] });
    const elsewhere = await fetch(`${hub.baseUrl}/fhir/${other.kommunenummer}/Binary/${ids.epikrise}`, { headers: { Authorization: `Bearer ${both}`, 'X-Purpose-Of-Use': 'TREAT' } });
    expect(elsewhere.status).toBe(404);
    const forbidden = await fetch(`${hub.baseUrl}/fhir/${other.kommunenummer}/Binary/${ids.epikrise}`, { headers: { Authorization: `Bearer ${reader}`, 'X-Purpose-Of-Use': 'TREAT' } });
    expect(forbidden.status).toBe(403);
    const noPurpose = await fetch(`${hub.baseUrl}/fhir/${kommune.kommunenummer}/Binary/${ids.epikrise}`, { headers: { Authorization: `Bearer ${reader}` } });
    expect(noPurpose.status).toBe(403);

    // The audit record of the original read is on the kommune's audit topic.
    const codec = new AvroCodec(TEST_REGISTRY_URL, new TopicNames(TEST_NAMESPACE));
    const { Kafka, logLevel } = await import('kafkajs');
    const kafka = new Kafka({ clientId: 'hltest-audit', brokers: TEST_KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `${TEST_NAMESPACE}.inspect.${randomUUID()}` });
    const audits: AuditRecord[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [`${TEST_NAMESPACE}.kommune.${kommune.kommunenummer}.audit.v1`], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void audits.push(await codec.decode<AuditRecord>(message.value!)) });
      const found = await eventually(async () => audits.find((a) => a.auditId === auditId), 20000);
      expect(found).toMatchObject({ action: 'READ_ORIGINAL', resource: 'Binary', outcome: 'SUCCESS', clientId: 'legevakt-epj', purposeOfUse: 'TREAT', patientPseudonym: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) });
    } finally {
      await consumer.disconnect();
    }
  });
});
