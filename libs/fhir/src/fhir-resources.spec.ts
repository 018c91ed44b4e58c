import type { DiagnosisView, ServiceView, SourceRef, TimelineEntry } from '@hub/projections';
import { capabilityStatement } from './capability-statement';
import {
  binaryResource, condition, encounterResources, encounters, episodeOfCare, msgIdUri, operationOutcome, patientId, patientResource, PatientDemographicsView, provenances, searchsetBundle,
  toFhirDateTime, toFhirInstant,
} from './fhir-mapper';
import { codeSystemUri, HUB_EXTENSION_BASE, HUB_PROFILES, IDENTIFIER_SYSTEMS, IPLOS_SYSTEM, parseIdentifierToken } from './identifier-systems.constant';

const patient = { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '01010112345' } };
const UUID = '8D0E5C52-6B7A-4D8E-9A43-2F7C1C0B8A11';
const source = (msgId: string, over: Partial<SourceRef> = {}): SourceRef => ({
  msgId, msgType: 'LOG_UTSKREVET', reportedAt: '2024-05-10T12:05:00', reportedBy: 'Sykehuset', receivedAt: '2026-01-01T10:00:00.000Z', originalId: msgId, ...over,
});
const service = (o: Partial<ServiceView> = {}): ServiceView => ({
  id: 's1', iplosCode: '20', iplosText: 'Hjemmesykepleie', description: null, privateService: null, providedBy: null, amount: null, unit: null,
  startDate: null, endDate: null, status: 'active', endedBy: null, reportedBy: null, firstReported: '2024-01-01', lastReported: '2024-01-01',
  sourceType: 'ORIENTERING_TJENESTETILBUD', sources: [], ...o,
});
const diagnosis = (o: Partial<DiagnosisView> = {}): DiagnosisView => ({
  id: 'd1', codeSystem: null, code: null, display: null, text: null, isMain: 'unknown', firstReported: '2024-01-01T10:00:00', lastReported: '2024-01-01T10:00:00',
  startDate: null, endDate: null, retracted: false, contexts: ['EPIKRISE'], codeSystemMismatch: false, sources: [], ...o,
});
const entry = (kind: string, time: string | null, msgId: string, o: Partial<TimelineEntry> = {}): TimelineEntry => ({
  kind, time, eventCode: null, description: null, dischargedTo: null, retracted: false, source: source(msgId), ...o,
});

describe('EpisodeOfCare', () => {
  it('carries code, text, amount, unit, private flag, end reason, sources, period and provider', () => {
    const r = episodeOfCare(
      service({
        amount: '-2.5', unit: 'timer', privateService: false, endedBy: 'sluttdato', status: 'ended', startDate: '2024-01-01', endDate: '2024-02-01',
        providedBy: 'Privat AS', description: 'beskrivelse', sources: [source('a'), source(UUID)],
      }),
      patient,
    );
    expect(r).toEqual({
      resourceType: 'EpisodeOfCare', id: 's1', meta: { source: `urn:uuid:${UUID.toLowerCase()}`, profile: [HUB_PROFILES.EpisodeOfCare] },
      extension: [
        { url: `${HUB_EXTENSION_BASE}/service-amount`, valueDecimal: -2.5 },
        { url: `${HUB_EXTENSION_BASE}/service-unit`, valueString: 'timer' },
        { url: `${HUB_EXTENSION_BASE}/service-private`, valueBoolean: false },
        { url: `${HUB_EXTENSION_BASE}/service-ended-by`, valueCode: 'sluttdato' },
        { url: `${HUB_EXTENSION_BASE}/source-message`, valueString: 'a' },
        { url: `${HUB_EXTENSION_BASE}/source-message`, valueString: UUID },
      ],
      status: 'finished',
      type: [{ coding: [{ system: IPLOS_SYSTEM, code: '20', display: 'Hjemmesykepleie' }], text: 'beskrivelse' }],
      patient, period: { start: '2024-01-01', end: '2024-02-01' }, managingOrganization: { display: 'Privat AS' },
    });
    expect(IPLOS_SYSTEM).toBe('urn:oid:2.16.578.1.12.4.1.1.9151');
    // Under the documented canonical base, a reserved .example domain nobody else can publish under (libs/fhir/README).
    expect(HUB_EXTENSION_BASE).toBe('http://hendelseslager.example/fhir/StructureDefinition');
  });

  it('leaves out what a service does not say (FHIR JSON forbids empty objects and arrays)', () => {
    expect(episodeOfCare(service({ iplosCode: null, iplosText: null }), patient)).toEqual({ resourceType: 'EpisodeOfCare', id: 's1', meta: { profile: [HUB_PROFILES.EpisodeOfCare] }, status: 'active', patient });
    expect(episodeOfCare(service({ iplosText: null }), patient).type).toEqual([{ coding: [{ system: IPLOS_SYSTEM, code: '20' }] }]);
    expect(episodeOfCare(service({ iplosCode: null }), patient).type).toEqual([{ text: 'Hjemmesykepleie' }]);
    expect(episodeOfCare(service({ endDate: '2024-02-01' }), patient).period).toEqual({ end: '2024-02-01' });
    expect(episodeOfCare(service({ privateService: true }), patient).extension).toEqual([{ url: `${HUB_EXTENSION_BASE}/service-private`, valueBoolean: true }]);
  });

  it('sends an amount only when it is a decimal number', () => {
    const amount = (a: string) => (episodeOfCare(service({ amount: a }), patient).extension as unknown[] | undefined) ?? [];
    expect(amount('3')).toEqual([{ url: `${HUB_EXTENSION_BASE}/service-amount`, valueDecimal: 3 }]);
    expect(amount('0.25')).toEqual([{ url: `${HUB_EXTENSION_BASE}/service-amount`, valueDecimal: 0.25 }]);
    expect(amount('12.75')).toEqual([{ url: `${HUB_EXTENSION_BASE}/service-amount`, valueDecimal: 12.75 }]);
    for (const bad of ['', '1,5', '.5', '5.', '1e3', 'x2', '2x', '--1', '1.2.3']) expect(amount(bad)).toEqual([]);
  });

  it('maps active, ended and cancelled to active, finished and entered-in-error', () => {
    expect(episodeOfCare(service({ status: 'active' }), patient).status).toBe('active');
    expect(episodeOfCare(service({ status: 'ended' }), patient).status).toBe('finished');
    expect(episodeOfCare(service({ status: 'cancelled' }), patient).status).toBe('entered-in-error');
  });
});

describe('Condition', () => {
  it('codes a diagnosis with its code system, display, text, dates, main flag and sources', () => {
    const c = condition(
      diagnosis({
        codeSystem: '2.16.578.1.12.4.1.1.7110', code: 'I50', display: 'Hjertesvikt', text: 'fritekst', isMain: 'true', startDate: '2024-01-01T10:00', endDate: '2024-02-01',
        sources: [source('m1'), source('m2')], contexts: ['PLO', 'PLO_HISTORY'],
      }),
      patient,
    );
    expect(c).toEqual({
      resourceType: 'Condition', id: 'd1', meta: { source: 'urn:hendelseslager:msgid:m2', profile: [HUB_PROFILES.Condition] },
      extension: [
        { url: `${HUB_EXTENSION_BASE}/source-message`, valueString: 'm1' },
        { url: `${HUB_EXTENSION_BASE}/source-message`, valueString: 'm2' },
        { url: `${HUB_EXTENSION_BASE}/main-diagnosis`, valueBoolean: true },
      ],
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis' }] }],
      code: { coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.7110', code: 'I50', display: 'Hjertesvikt' }], text: 'fritekst' },
      subject: patient, recordedDate: '2024-01-01T10:00:00+01:00',
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] },
      onsetDateTime: '2024-01-01T10:00:00+01:00', abatementDateTime: '2024-02-01',
    });
  });

  it('a history-only diagnosis is a problem-list item; a diagnosis not main says so; unknown says nothing', () => {
    const history = condition(diagnosis({ contexts: ['PLO_HISTORY'], isMain: 'false' }), patient);
    expect(history.category).toEqual([{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }]);
    expect(history.extension).toEqual([{ url: `${HUB_EXTENSION_BASE}/main-diagnosis`, valueBoolean: false }]);
    const bare = condition(diagnosis(), patient);
    expect(bare).toEqual({
      resourceType: 'Condition', id: 'd1', meta: { profile: [HUB_PROFILES.Condition] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis' }] }],
      subject: patient, recordedDate: '2024-01-01T10:00:00+01:00',
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    });
  });

  it('uses the display as text when there is no text, and codes without a system when the OID is not one', () => {
    expect(condition(diagnosis({ display: 'Vis' }), patient).code).toEqual({ text: 'Vis' });
    expect(condition(diagnosis({ code: 'X', codeSystem: 'ICD-10' }), patient).code).toEqual({ coding: [{ code: 'X' }] });
  });
});

describe('Encounter', () => {
  it('pairs each admission with the next discharge; a discharge with no admission is a stay of its own', () => {
    const stays = encounterResources(
      [
        entry('DISCHARGED', '2024-01-10T12:00:00', 'd0', { dischargedTo: '1' }),
        entry('ADMITTED', '2024-02-01T10:00:00', 'a1'),
        entry('DISCHARGE_READY', '2024-02-03T10:00:00', 'r1'),
        entry('DISCHARGED', '2024-02-05T10:00:00', 'd1'),
        entry('ADMITTED', '2024-03-01T10:00:00', 'a2'),
        entry('ADMITTED', '2024-03-01T09:00:00', 'x', { retracted: true }),
        entry('DEATH', '2024-03-02T10:00:00', 'death'),
      ],
      patient,
    );
    expect(stays.map((s) => s.resource)).toEqual([
      {
        resourceType: 'Encounter', id: 'd0-d', meta: { source: 'urn:hendelseslager:msgid:d0', profile: [HUB_PROFILES.Encounter] }, status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' }, subject: patient,
        period: { end: '2024-01-10T12:00:00+01:00' },
        hospitalization: { dischargeDisposition: { coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.8408', code: '1' }] } },
      },
      {
        resourceType: 'Encounter', id: 'a1-a', meta: { source: 'urn:hendelseslager:msgid:r1', profile: [HUB_PROFILES.Encounter] }, status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' }, subject: patient,
        period: { start: '2024-02-01T10:00:00+01:00', end: '2024-02-05T10:00:00+01:00' },
      },
      {
        resourceType: 'Encounter', id: 'a2-a', meta: { source: 'urn:hendelseslager:msgid:a2', profile: [HUB_PROFILES.Encounter] }, status: 'in-progress',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' }, subject: patient,
        period: { start: '2024-03-01T10:00:00+01:00' },
      },
    ]);
    expect(stays.map((s) => s.sources.map((x) => x.msgId))).toEqual([['d0'], ['a1', 'd1', 'r1'], ['a2']]);
    expect(encounters([entry('ADMITTED', '2024-03-01T10:00:00', 'a2')], patient)).toEqual([stays[2].resource]);
  });

  it('pairs by time, not by the order the timeline lists them in', () => {
    const stays = encounterResources([entry('DISCHARGED', '2024-02-05T10:00:00', 'd1'), entry('ADMITTED', '2024-02-01T10:00:00', 'a1')], patient);
    expect(stays.map((s) => [s.resource.id, s.resource.status])).toEqual([['a1-a', 'finished']]);
  });

  it('two discharges at different times, or a second admission at another time, are separate stays', () => {
    const twoDischarges = encounterResources([entry('DISCHARGED', '2024-01-10T12:00:00', 'd1'), entry('DISCHARGED', '2024-01-11T12:00:00', 'd2')], patient);
    expect(twoDischarges.map((s) => s.resource.id)).toEqual(['d1-d', 'd2-d']);
    const twoAdmissions = encounterResources([entry('ADMITTED', '2024-01-10T12:00:00', 'a1'), entry('ADMITTED', '2024-01-11T12:00:00', 'a2')], patient);
    expect(twoAdmissions.map((s) => [s.resource.id, s.resource.status])).toEqual([['a1-a', 'in-progress'], ['a2-a', 'in-progress']]);
    // A discharge reported again after its stay closed is the same stay.
    const repeated = encounterResources([entry('ADMITTED', '2024-01-01T10:00:00', 'a'), entry('DISCHARGED', '2024-01-10T12:00:00', 'd1'), entry('DISCHARGED', '2024-01-10T12:00:00', 'd2')], patient);
    expect(repeated.map((s) => s.sources.map((x) => x.msgId))).toEqual([['a', 'd1', 'd2']]);
    // Events before any admission and untimed ones are not stays.
    expect(encounterResources([entry('DISCHARGE_READY', '2024-01-01T10:00:00', 'r'), entry('MESSAGE_RECEIVED', '2024-01-01T10:00:00', 'm')], patient)).toEqual([]);
  });

  it('makes a FHIR-safe id from the first source and leaves out a period without times', () => {
    const [stay] = encounterResources([entry('ADMITTED', null, `a/b c_${'x'.repeat(60)}`)], patient);
    expect(stay.resource.id).toBe(`abc${'x'.repeat(47)}-a`);
    expect(stay.resource.period).toBeUndefined();
    expect(encounterResources([entry('ADMITTED', null, 'a'), entry('ADMITTED', '2024-01-01T00:00:00', 'b')], patient).map((s) => s.resource.id)).toEqual(['a-a', 'b-a']);
  });

  it('sorts an untimed entry before the timed ones wherever the timeline lists it', () => {
    expect(encounterResources([entry('ADMITTED', '2024-01-01T00:00:00', 'b'), entry('ADMITTED', null, 'a')], patient).map((s) => s.resource.id)).toEqual(['a-a', 'b-a']);
    // So an untimed discharge does not close a stay admitted at a known time.
    const stays = encounterResources([entry('ADMITTED', '2024-01-01T00:00:00', 'a'), entry('DISCHARGED', null, 'd')], patient);
    expect(stays.map((s) => [s.resource.id, s.resource.status])).toEqual([['d-d', 'finished'], ['a-a', 'in-progress']]);
  });
});

describe('Provenance, Binary, Bundle, OperationOutcome', () => {
  it('describes each source message: when it was recorded, who sent it and where the original is', () => {
    const [p] = provenances([{ resource: { resourceType: 'Condition', id: 'c' }, sources: [source(UUID, { originalId: 'orig', reportedBy: null })] }]);
    expect(p).toEqual({
      resourceType: 'Provenance', id: 'p-orig', meta: { source: `urn:uuid:${UUID.toLowerCase()}`, profile: [HUB_PROFILES.Provenance] }, target: [{ reference: 'Condition/c' }], recorded: '2026-01-01T10:00:00.000Z',
      activity: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'CREATE', display: 'create' }], text: 'Reported in e-melding LOG_UTSKREVET' },
      agent: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author', display: 'Author' }] }, who: { display: 'Unknown sender' } }],
      entity: [{ role: 'source', what: { reference: 'Binary/orig', identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${UUID.toLowerCase()}` }, display: 'Original message LOG_UTSKREVET' } }],
    });
    const [long] = provenances([{ resource: { resourceType: 'Condition', id: 'c' }, sources: [source('m', { originalId: 'x'.repeat(70) })] }]);
    expect(long.id).toBe(`p-${'x'.repeat(62)}`);
    const [sorted] = provenances([
      { resource: { resourceType: 'EpisodeOfCare', id: 'y' }, sources: [source('m')] },
      { resource: { resourceType: 'Condition', id: 'z' }, sources: [source('m')] },
      { resource: { resourceType: 'EpisodeOfCare', id: 'x' }, sources: [source('m')] },
    ]);
    expect(sorted.target).toEqual([{ reference: 'Condition/z' }, { reference: 'EpisodeOfCare/x' }, { reference: 'EpisodeOfCare/y' }]);
    const [named] = provenances([{ resource: { resourceType: 'Condition', id: 'c' }, sources: [source('m')] }]);
    expect((named.agent as Array<{ who: unknown }>)[0].who).toEqual({ display: 'Sykehuset' });
  });

  it('serves the original as a Binary in base64', () => {
    expect(binaryResource('b1', 'application/xml', Buffer.from('<a/>'), 'm')).toEqual({
      resourceType: 'Binary', id: 'b1', meta: { source: 'urn:hendelseslager:msgid:m' }, contentType: 'application/xml', data: 'PGEvPg==',
    });
  });

  it('bundles matches and includes with full URLs, and has no entry when empty', () => {
    const links = [{ relation: 'self', url: 'https://x/fhir/EpisodeOfCare' }];
    expect(searchsetBundle([{ resourceType: 'EpisodeOfCare', id: 'e' }], 1, 'https://x/fhir', links, [{ resourceType: 'Provenance', id: 'p' }])).toEqual({
      resourceType: 'Bundle', type: 'searchset', total: 1, link: links,
      entry: [
        { fullUrl: 'https://x/fhir/EpisodeOfCare/e', resource: { resourceType: 'EpisodeOfCare', id: 'e' }, search: { mode: 'match' } },
        { fullUrl: 'https://x/fhir/Provenance/p', resource: { resourceType: 'Provenance', id: 'p' }, search: { mode: 'include' } },
      ],
    });
    expect(searchsetBundle([], 0, 'https://x/fhir', [])).toEqual({ resourceType: 'Bundle', type: 'searchset', total: 0, link: [] });
  });

  it('writes an OperationOutcome with one issue', () => {
    expect(operationOutcome('error', 'invalid', 'why')).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'why' }] });
  });

  it('names a UUID MsgId as a lower-case urn:uuid and any other id as an escaped hub URI', () => {
    expect(msgIdUri(UUID)).toBe(`urn:uuid:${UUID.toLowerCase()}`);
    expect(msgIdUri('a b/c')).toBe('urn:hendelseslager:msgid:a%20b%2Fc');
    expect(msgIdUri(`x${UUID}`)).toBe(`urn:hendelseslager:msgid:x${UUID}`);
    expect(msgIdUri(`${UUID}x`)).toBe(`urn:hendelseslager:msgid:${UUID}x`);
  });
});

describe('Patient', () => {
  const demographics = (o: Partial<PatientDemographicsView> = {}): PatientDemographicsView => ({ id: 'AbC_-12', familyName: null, givenName: null, birthDate: null, sex: null, ...o });
  const withOnly = (o: Partial<PatientDemographicsView>) => patientResource(demographics(o), null, patient, undefined);

  it('gives the identifier searched with, names, gender, birth date, profile and newest source message', () => {
    const r = patientResource(demographics({ familyName: 'Nordmann', givenName: 'Kari', birthDate: '1944-03-12', sex: '2' }), null, patient, UUID);
    expect(r).toEqual({
      resourceType: 'Patient',
      id: patientId('AbC_-12'),
      meta: { source: `urn:uuid:${UUID.toLowerCase()}`, profile: [HUB_PROFILES.Patient] },
      identifier: [{ use: 'official', system: IDENTIFIER_SYSTEMS.FNR, value: '01010112345' }],
      name: [{ use: 'official', family: 'Nordmann', given: ['Kari'] }],
      gender: 'female',
      birthDate: '1944-03-12',
    });
  });

  it('leaves out what the read model does not hold; meta keeps its profile', () => {
    expect(withOnly({})).toEqual({
      resourceType: 'Patient', id: patientId('AbC_-12'), meta: { profile: [HUB_PROFILES.Patient] }, identifier: [{ use: 'official', system: IDENTIFIER_SYSTEMS.FNR, value: '01010112345' }],
    });
    expect(withOnly({ familyName: 'Nordmann' }).name).toEqual([{ use: 'official', family: 'Nordmann' }]);
    expect(withOnly({ givenName: 'Kari' }).name).toEqual([{ use: 'official', given: ['Kari'] }]);
    expect(withOnly({ familyName: '', givenName: '' })).not.toHaveProperty('name');
  });

  it('maps Kjønn (code list 3101) to administrative gender, ignoring padding; an unknown code is no gender', () => {
    expect([' 1 ', '2 ', '0', '9'].map((sex) => withOnly({ sex }).gender)).toEqual(['male', 'female', 'unknown', 'unknown']);
    for (const sex of ['3', 'M', '']) expect(withOnly({ sex })).not.toHaveProperty('gender');
  });

  it('sends a birth date only when it is a FHIR date: year, year-month or full date', () => {
    for (const birthDate of ['1944', '1944-03', '1944-03-12']) expect(withOnly({ birthDate }).birthDate).toBe(birthDate);
    for (const birthDate of ['', '194', '19440', 'x1944', '1944-3', '1944-03x', '1944-ab', '1944-03-1', '1944-03-ab', '1944-03-12T10:00', '12.03.1944', 'abcd']) {
      expect([birthDate, withOnly({ birthDate }).birthDate]).toEqual([birthDate, undefined]);
    }
  });

  it('reports death with its time when known (local time with the Oslo offset), else as a flag', () => {
    const base = [demographics(), patient, undefined] as const;
    expect(patientResource(base[0], { time: '2024-03-02T10:00:00' }, base[1], base[2])).toMatchObject({ deceasedDateTime: '2024-03-02T10:00:00+01:00' });
    expect(patientResource(base[0], { time: '2024-03-02T10:00:00' }, base[1], base[2])).not.toHaveProperty('deceasedBoolean');
    expect(patientResource(base[0], { time: null }, base[1], base[2])).toMatchObject({ deceasedBoolean: true });
    expect(patientResource(base[0], { time: null }, base[1], base[2])).not.toHaveProperty('deceasedDateTime');
    const alive = patientResource(base[0], null, base[1], base[2]);
    expect(alive).not.toHaveProperty('deceasedBoolean');
    expect(alive).not.toHaveProperty('deceasedDateTime');
  });

  it('makes the id of the pseudonym bytes in hex, at most the 64 characters of a FHIR id', () => {
    // '_' and '-' of base64url may not be in a FHIR id; the hex of the same bytes has neither.
    expect(patientId('AbC_-12w')).toMatch(/^[0-9a-f]{12}$/);
    expect(Buffer.from(patientId('AbC_-12w'), 'hex').toString('base64url')).toBe('AbC_-12w');
    // A 32-byte pseudonym is exactly 64 hex characters; a longer one keeps its first 32 bytes.
    const long = Buffer.alloc(48, 0xab).toString('base64url');
    expect(patientId(long)).toBe('ab'.repeat(32));
  });
});

describe('FHIR date and time', () => {
  it('keeps dates, years and year-months as they are, and completes minutes to seconds', () => {
    expect(['2024', '2024-05', '2024-05-01', ' 2024-05-01 '].map(toFhirDateTime)).toEqual(['2024', '2024-05', '2024-05-01', '2024-05-01']);
    expect(toFhirDateTime('2024-05-01T10:00')).toBe('2024-05-01T10:00:00+02:00');
    expect(toFhirDateTime('2024-05-01T10:00:00.123')).toBe('2024-05-01T10:00:00.123+02:00');
    expect(toFhirDateTime('2024-05-01T10:00:00-03:00')).toBe('2024-05-01T10:00:00-03:00');
    expect(toFhirDateTime('2024-05-01T10:00Z')).toBe('2024-05-01T10:00:00Z');
    // What is no dateTime at all keeps its first ten characters.
    expect(toFhirDateTime('2024-05-01 10:00')).toBe('2024-05-01');
    expect(toFhirDateTime('x2024-05-01T10:00')).toBe('x2024-05-0');
    // Anything after the zone makes it no dateTime either: the date, never a zone with a tail.
    expect(toFhirDateTime('2024-05-01T10:00:00Z10')).toBe('2024-05-01');
    expect(toFhirDateTime('2024-05-01T10:00:00+02:00x')).toBe('2024-05-01');
  });

  it('makes instants of dates, years and year-months at local midnight', () => {
    expect(toFhirInstant('2024')).toBe('2024-01-01T00:00:00+01:00');
    expect(toFhirInstant('2024-07')).toBe('2024-07-01T00:00:00+02:00');
    expect(toFhirInstant('2024-07-01T10:00:00.5Z')).toBe('2024-07-01T10:00:00.5Z');
    expect(toFhirInstant('2024-07-01T10:00:00+05:00')).toBe('2024-07-01T10:00:00+05:00');
  });
});

describe('identifier systems and the CapabilityStatement', () => {
  it('reads system|value tokens for FNR, D-number and FHN, with eleven digits only', () => {
    expect(parseIdentifierToken('urn:oid:2.16.578.1.12.4.1.4.1|01010112345')).toEqual({ type: 'FNR', system: IDENTIFIER_SYSTEMS.FNR, value: '01010112345' });
    expect(parseIdentifierToken(' urn:oid:2.16.578.1.12.4.1.4.2 | 41010112345 ')).toEqual({ type: 'DNR', system: IDENTIFIER_SYSTEMS.DNR, value: '41010112345' });
    expect(parseIdentifierToken('urn:oid:2.16.578.1.12.4.1.4.3|81010112345')?.type).toBe('FHN');
    for (const bad of ['01010112345', '|01010112345', 'urn:oid:2.16.578.1.12.4.1.4.9|01010112345', 'urn:oid:2.16.578.1.12.4.1.4.1|0101011234', 'urn:oid:2.16.578.1.12.4.1.4.1|010101123456', 'urn:oid:2.16.578.1.12.4.1.4.1|0101011234x']) {
      expect(parseIdentifierToken(bad)).toBeUndefined();
    }
  });

  it('turns only OIDs into urn:oid systems', () => {
    expect(codeSystemUri('2.16.578.1.12.4.1.1.7110')).toBe('urn:oid:2.16.578.1.12.4.1.1.7110');
    for (const bad of [null, '', 'ICD-10', '3.1', '2', '2.16.x', 'x2.16', '2.16.']) expect(codeSystemUri(bad)).toBeUndefined();
  });

  it('states what the server does: FHIR 4.0.1 JSON, searchable resources with their parameters, Provenance and Binary', () => {
    const cs = capabilityStatement('https://hub/fhir/3428', { name: 'Hendelseslager', version: '1.2.3' }) as any;
    expect(cs).toMatchObject({
      resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: '4.0.1', format: ['application/fhir+json', 'json'],
      software: { name: 'Hendelseslager', version: '1.2.3' }, implementation: { url: 'https://hub/fhir/3428' },
    });
    expect(cs.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const [rest] = cs.rest;
    expect(rest.mode).toBe('server');
    expect(rest.security.cors).toBe(false);
    expect(rest.resource.map((r: any) => r.type)).toEqual(['EpisodeOfCare', 'Condition', 'Encounter', 'Provenance', 'Patient', 'Binary', 'Subscription', 'StructureDefinition', 'CodeSystem', 'ValueSet']);
    const byType = new Map<string, any>(rest.resource.map((r: any) => [r.type, r]));
    for (const [type, include] of [['EpisodeOfCare', 'EpisodeOfCare:patient'], ['Condition', 'Condition:subject'], ['Encounter', 'Encounter:subject']]) {
      const r = byType.get(type);
      expect(r.interaction).toEqual([{ code: 'search-type' }]);
      expect(r.searchRevInclude).toEqual(['Provenance:target']);
      expect(r.searchInclude).toEqual([include]);
      const statuses = type === 'Condition' ? [['clinical-status', 'token'], ['verification-status', 'token']] : [['status', 'token']];
      expect(r.searchParam.map((p: any) => [p.name, p.type])).toEqual([['patient', 'reference'], ...statuses, ['date', 'date'], ['_count', 'number']]);
      expect(r.profile).toBe(HUB_PROFILES[type as keyof typeof HUB_PROFILES]);
    }
    expect(byType.get('Provenance').searchParam.map((p: any) => [p.name, p.type])).toEqual([['patient', 'reference'], ['_count', 'number']]);
    expect(byType.get('Patient').searchParam.map((p: any) => [p.name, p.type])).toEqual([['identifier', 'token'], ['_count', 'number']]);
    expect(byType.get('Binary').interaction).toEqual([{ code: 'read' }]);
    expect(byType.get('Subscription').interaction.map((i: any) => i.code).sort()).toEqual(['create', 'delete', 'read', 'search-type', 'update']);
    expect(byType.get('Subscription').operation.map((o: any) => o.name)).toEqual(['status', 'events']);
    // Every human-readable text is there (an empty string is not allowed in FHIR JSON).
    const texts = [cs.implementation.description, rest.security.description, ...rest.resource[0].searchParam.map((p: any) => p.documentation), byType.get('Provenance').documentation, byType.get('Binary').documentation];
    for (const t of texts) expect(t.trim().length).toBeGreaterThan(20);
    expect(rest.resource[0].searchParam[0].documentation).toContain(IDENTIFIER_SYSTEMS.FNR.slice('urn:oid:'.length));
  });
});
