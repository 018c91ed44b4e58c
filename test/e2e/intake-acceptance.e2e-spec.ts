import { createHash, randomUUID } from 'node:crypto';
import { AvroCodec, RawMessageRecord, TopicNames } from '@hub/contracts';
import { buildMessage, BuildMessageOptions, corpusXsdDir, dnr, fnr, hnr, isXmllintAvailable, validateAgainstXsd } from '@hub/testing';
import { eventually, HubHarness, startHub } from '../support/hub-harness';
import { TEST_DATABASE_URL, TEST_NAMESPACE, TEST_REGISTRY_URL } from '../support/test-env';
import { Client } from 'pg';
import { ALL_DEMO_KOMMUNER, demoKommuner, liveFactsOf, postMessage, readAppRec, readOverview, readTopic } from './intake-support';

/**
 * Issue #3, "Intake behaviour": the national receiving acceptance cases, each answered with a
 * meaningful AppRec, against the whole hub and the real stack. Every rejecting AppRec is checked
 * for its 8221 code; every AppRec the hub wrote is finally validated against the national AppRec
 * XSDs (1.1, and 1.0 for the older standards).
 */
const ALVDAL = '3428';
const MAX_BODY = 300_000;
const appRecs: Array<{ version: '1.0' | '1.1'; xml: string; label: string }> = [];

describe('intake: receiving acceptance cases', () => {
  let hub: HubHarness;
  let gateway: string;
  let reader: string;

  beforeAll(async () => {
    hub = await startHub(demoKommuner(), { INTAKE_MAX_BODY_BYTES: String(MAX_BODY) });
    gateway = await hub.token({ client: 'gateway-acceptance', scopes: ['messages:write'], kommuner: ALL_DEMO_KOMMUNER() });
    reader = await hub.token({ client: 'acceptance-reader', scopes: ['patients:read'], kommuner: ALL_DEMO_KOMMUNER() });
  });
  afterAll(async () => {
    await hub?.close();
    // startHub writes its settings into process.env, which later test files in the same run share.
    delete process.env.INTAKE_MAX_BODY_BYTES;
  });

  async function post(body: Buffer | string, label: string) {
    const posted = await postMessage(hub, gateway, body);
    const appRec = readAppRec(posted.body);
    if (appRec.version) appRecs.push({ version: appRec.version, xml: posted.body, label });
    return { ...posted, appRec };
  }

  function person(birthDate: string, extra: Partial<NonNullable<BuildMessageOptions['patient']>> = {}) {
    return { familyName: 'Prøve', givenName: 'Person', birthDate, ...extra };
  }

  // --- Rejections --------------------------------------------------------------------------------

  it.each([
    { label: 'broken XML', body: '<?xml version="1.0"?><MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"><MsgInfo>', code: 'T01' },
    { label: 'not XML at all', body: 'Dette er ikke XML', code: 'T01' },
    { label: 'DOCTYPE with an external entity (XXE)', body: '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', code: 'T01' },
    { label: 'entity expansion (billion laughs)', body: `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`).join('')}]><l>&j;</l>`, code: 'T01' },
    { label: 'an undeclared entity without DOCTYPE', body: '<?xml version="1.0"?><r>&lol;</r>', code: 'T01' },
    { label: 'neither MsgHead nor a supported standalone message', body: '<?xml version="1.0"?><Melding xmlns="urn:example:ukjent"><Id>1</Id></Melding>', code: 'T10' },
  ])('$label → 422 AppRec Avvist $code', async ({ label, body, code }) => {
    const r = await post(body, label);
    expect(r.status).toBe(422);
    expect(r.appRec).toMatchObject({ version: '1.1', status: '2', errors: [code] });
    expect(r.headers.get('x-intake-outcome')).toBe('REJECTED');
  });

  it('unknown kommune (no party in the directory) → E21', async () => {
    const msgId = randomUUID();
    const body = buildMessage({
      kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', msgId,
      sender: { organisation: [{ name: 'Ukjent kommune', herId: '7700001' }] },
      receiver: { organisation: [{ name: 'Ukjent legekontor', herId: '7700002' }] },
    });
    const r = await post(body, 'E21');
    expect(r.status).toBe(422);
    expect(r.appRec).toMatchObject({ status: '2', errors: ['E21'], originalMsgId: msgId });
  });

  it('missing patient identifier → E30', async () => {
    const msgId = randomUUID();
    const r = await post(buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', msgId, patient: person('1950-01-01') }), 'E30');
    expect(r.status).toBe(422);
    expect(r.appRec).toMatchObject({ status: '2', errors: ['E30'], originalMsgId: msgId });
  });

  it.each([
    ['fødselsnummer', (v: string) => ({ fnr: v }), fnr('1950-01-02', 11)],
    ['D-nummer', (v: string) => ({ dnr: v }), dnr('1950-01-02', 12)],
  ])('invalid %s checksum → E31', async (_l, id, valid) => {
    const broken = valid.slice(0, 10) + String((Number(valid[10]) + 1) % 10);
    const msgId = randomUUID();
    const r = await post(buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', msgId, patient: person('1950-01-02', id(broken)) }), 'E31');
    expect(r.status).toBe(422);
    expect(r.appRec).toMatchObject({ status: '2', errors: ['E31'], originalMsgId: msgId });
  });

  it('missing status (Forsendelsesstatus) → T02 with a text naming the element', async () => {
    const msgId = randomUUID();
    const body = buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', msgId, patient: person('1950-01-03', { fnr: fnr('1950-01-03', 13) }) })
      .toString('utf8')
      .replace(/<(\w+:)?Forsendelsesstatus\b[^>]*\/>/, '');
    const r = await post(body, 'T02');
    expect(r.status).toBe(422);
    expect(r.appRec).toMatchObject({ status: '2', errors: ['T02'], originalMsgId: msgId });
    expect(r.body).toMatch(/Forsendelsesstatus|status/i);
  });

  it('body over INTAKE_MAX_BODY_BYTES → 413 T99, refused before parsing (even when it is not XML)', async () => {
    const r = await post(Buffer.alloc(MAX_BODY + 1, 'x'), 'T99');
    expect(r.status).toBe(413);
    expect(r.appRec).toMatchObject({ status: '2', errors: ['T99'] });
  });

  it('missing sender (no organisation identifier) → X99 with a text', async () => {
    const msgId = randomUUID();
    const body = buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', msgId, patient: person('1950-01-05', { fnr: fnr('1950-01-05', 15) }) })
      .toString('utf8')
      .replace(/<((?:\w+:)?Sender)>[\s\S]*?<\/\1>/, '<$1><Organisation><OrganisationName>Uten id</OrganisationName></Organisation></$1>');
    const r = await post(body, 'X99');
    expect(r.status).toBe(422);
    expect(r.appRec).toMatchObject({ status: '2', errors: ['X99'], originalMsgId: msgId });
  });

  // --- Accepted ----------------------------------------------------------------------------------
  it('a MsgHead with a payload the hub has no mapping for is accepted (AppRec OK), kept and shown as not projected', async () => {
    const patientFnr = fnr('1950-01-06', 16);
    const msgId = randomUUID();
    const body = buildMessage({ kind: 'DIALOG_NOTAT', version: '1.1', msgId, patient: person('1950-01-06', { fnr: patientFnr }) })
      .toString('utf8')
      .split('http://www.kith.no/xmlstds/dialog/2013-01-23')
      .join('urn:example:annen-melding');
    const r = await post(body, 'OTHER');
    expect(r.status).toBe(202);
    expect(r.appRec).toMatchObject({ status: '1', errors: [], originalMsgId: msgId });
    await eventually(async () => {
      const o = await readOverview(hub, reader, ALVDAL, patientFnr);
      return o.messages.some((m) => m.msgId === msgId && m.projected === false) ? true : undefined;
    });
  });


  it('an empty xs:boolean is refused (issue #12 item 4: the XSD refuses it; receiving test 1-15b) → T02 naming the element', async () => {
    const msgId = randomUUID();
    const body = buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', msgId, patient: person('1950-01-04', { fnr: fnr('1950-01-04', 14) }), services: [{ iplosCode: '15', startDate: '2024-01-01' }] })
      .toString('utf8')
      .replace(/<((\w+:)?PrivatTjeneste)>false<\/\1>/, '<$1></$1>');
    expect(body).toMatch(/PrivatTjeneste><\//);
    const r = await post(body, 'empty boolean');
    expect(r.status).toBe(422);
    expect(r.appRec).toMatchObject({ status: '2', errors: ['T02'], originalMsgId: msgId });
    expect(r.body).toMatch(/element PrivatTjeneste: not a valid xs:boolean/);
  });

  it('a patient unknown to the hub identified by D-nummer is created and readable by that D-nummer', async () => {
    const patientDnr = dnr('1960-02-02', 21);
    const msgId = randomUUID();
    const r = await post(buildMessage({ kind: 'INNLEGGELSESRAPPORT', version: '1.6', msgId, patient: person('1960-02-02', { dnr: patientDnr }), diagnoses: [{ system: 'ICD10', code: 'J441', isMain: true }] }), 'DNR');
    expect(r.status).toBe(202);
    expect(r.appRec).toMatchObject({ status: '1', errors: [], originalMsgId: msgId });
    await eventually(async () => {
      const o = await readOverview(hub, reader, ALVDAL, patientDnr, 'DNR');
      return liveFactsOf(o, msgId).diagnoses.join() === 'J441' ? true : undefined;
    });
  });

  it('H-nummer with and without birth date is accepted; FNR+HNR links them into ONE patient', async () => {
    const birth = '1970-03-03';
    const patientHnr = hnr(birth, 31);
    const patientFnr = fnr(birth, 31);
    // 1. HNR only (with birth date): accepted, not readable by any FNR yet.
    const hnrOnly = randomUUID();
    expect((await post(buildMessage({ kind: 'INNLEGGELSESRAPPORT', version: '1.6', msgId: hnrOnly, patient: person(birth, { hnr: patientHnr }), diagnoses: [{ system: 'ICD10', code: 'K219', isMain: true }] }), 'HNR')).status).toBe(202);
    // 2. HNR only, no birth date.
    const noBirth = randomUUID();
    const withoutBirth = buildMessage({ kind: 'INNLEGGELSESRAPPORT', version: '1.6', msgId: noBirth, patient: person(birth, { hnr: patientHnr }), diagnoses: [{ system: 'ICD10', code: 'M179', isMain: true }] })
      .toString('utf8')
      .replace(/<(\w+:)?DateOfBirth>[^<]*<\/(\w+:)?DateOfBirth>/, '');
    expect(withoutBirth).not.toContain('DateOfBirth');
    const r2 = await post(withoutBirth, 'HNR without birth date');
    expect(r2.status).toBe(202);
    expect(r2.appRec.status).toBe('1');
    // 3. FNR only: readable by FNR, without the HNR facts.
    const fnrOnly = randomUUID();
    expect((await post(buildMessage({ kind: 'MEDISINSKE_OPPLYSNINGER', version: '1.6', msgId: fnrOnly, patient: person(birth, { fnr: patientFnr }), diagnoses: [{ system: 'ICPC2', code: 'T90', isMain: true }] }), 'FNR')).status).toBe(202);
    const before = await eventually(async () => {
      const o = await readOverview(hub, reader, ALVDAL, patientFnr);
      return o.messages.some((m) => m.msgId === fnrOnly) ? o : undefined;
    });
    expect(before.messages.map((m) => m.msgId)).toEqual([fnrOnly]);
    // 4. FNR + HNR from the same sender (an H-nummer is scoped by its issuer): links the two.
    const link = randomUUID();
    expect((await post(buildMessage({ kind: 'INNLEGGELSESRAPPORT', version: '1.6', msgId: link, patient: person(birth, { fnr: patientFnr, hnr: patientHnr }), diagnoses: [{ system: 'ICD10', code: 'I10', isMain: true }] }), 'FNR+HNR')).status).toBe(202);
    const after = await eventually(async () => {
      const o = await readOverview(hub, reader, ALVDAL, patientFnr);
      return o.messages.length === 4 ? o : undefined;
    });
    expect(after.messages.map((m) => m.msgId).sort()).toEqual([hnrOnly, noBirth, fnrOnly, link].sort());
    expect(after.diagnoses.filter((d) => !d.retracted).map((d) => d.code).sort()).toEqual(['I10', 'K219', 'M179', 'T90']);
    // One patient: the overview's patient is the FNR person, and no second patient record appears.
    expect(after.patient).not.toBeNull();
  });

  it('a known organisation with an unknown service (HER-id not in the directory) is accepted and routed by the organisation', async () => {
    const patientFnr = fnr('1955-04-04', 41);
    const msgId = randomUUID();
    const r = await post(
      buildMessage({
        kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', msgId, patient: person('1955-04-04', { fnr: patientFnr }),
        sender: { organisation: [{ name: 'Alvdal kommune', herId: '99387' }, { name: 'Ny tjeneste', herId: '7799999' }] },
        receiver: { organisation: [{ name: 'Ukjent legekontor', herId: '7700003' }] },
        services: [{ iplosCode: '7', startDate: '2024-01-01' }],
      }),
      'unknown service',
    );
    expect(r.status).toBe(202);
    expect(r.appRec.status).toBe('1');
    await eventually(async () => ((await readOverview(hub, reader, ALVDAL, patientFnr)).services.length === 1 ? true : undefined));
  });

  it.each([
    ['C before its N (PLO, ConversationRef)', 'ORIENTERING_TJENESTETILBUD' as const, ['C', 'N'] as const],
    ['M before its N, then C (PLO)', 'ORIENTERING_TJENESTETILBUD' as const, ['M', 'C', 'N'] as const],
    ['C before its N (Epikrise 1.2, ServProvId)', 'EPIKRISE' as const, ['C', 'N'] as const],
  ])('%s: the cancellation still wins', async (_label, kind, order) => {
    const birth = '1945-05-05';
    const patientFnr = fnr(birth, 50 + order.length + kind.length);
    const ids = { N: randomUUID(), M: randomUUID(), C: randomUUID() };
    const documentId = randomUUID();
    const version = kind === 'EPIKRISE' ? '1.2' : '1.6';
    const parent = { N: undefined, M: ids.N, C: (order as readonly string[]).includes('M') ? ids.M : ids.N };
    const gen = { N: '2024-05-01T10:00:00', M: '2024-05-02T10:00:00', C: '2024-05-03T10:00:00' };
    for (const status of order) {
      const body = buildMessage({
        kind, version, status, msgId: ids[status], genDate: gen[status], documentId,
        // A bare Epikrise has no ConversationRef: its versions are linked by ServProvId (documentId).
        ...(kind === 'EPIKRISE' ? {} : { refToParent: parent[status] }),
        patient: person(birth, { fnr: patientFnr }),
        services: kind === 'EPIKRISE' ? undefined : [{ iplosCode: status === 'M' ? '16' : '15', startDate: '2024-01-01' }],
      });
      const r = await post(body, `${status} out of order`);
      expect(r.status).toBe(202);
    }
    await eventually(async () => {
      const o = await readOverview(hub, reader, ALVDAL, patientFnr);
      for (const s of order) expect(o.messages.find((m) => m.msgId === ids[s])?.documentState).toBe('CANCELLED');
      expect(o.services.filter((s) => s.status !== 'cancelled')).toEqual([]);
      expect(o.diagnoses.filter((d) => !d.retracted)).toEqual([]);
      return true;
    });
  });

  it('M before its N: the Endring is the current content once the original arrives', async () => {
    const birth = '1946-06-06';
    const patientFnr = fnr(birth, 61);
    const n = randomUUID();
    const m = randomUUID();
    const base = { kind: 'ORIENTERING_TJENESTETILBUD' as const, version: '1.6' as const, patient: person(birth, { fnr: patientFnr }) };
    expect((await post(buildMessage({ ...base, status: 'M', msgId: m, refToParent: n, genDate: '2024-05-02T10:00:00', services: [{ iplosCode: '16', startDate: '2024-01-01' }] }), 'M first')).status).toBe(202);
    const parked = await eventually(async () => {
      const o = await readOverview(hub, reader, ALVDAL, patientFnr);
      return o.messages.some((x) => x.msgId === m) ? o : undefined;
    });
    // Parked until its original is known: nothing shown as current yet.
    expect(parked.services.filter((s) => s.status !== 'cancelled')).toEqual([]);
    expect((await post(buildMessage({ ...base, status: 'N', msgId: n, genDate: '2024-05-01T10:00:00', services: [{ iplosCode: '15', startDate: '2024-01-01' }] }), 'N after M')).status).toBe(202);
    await eventually(async () => {
      const o = await readOverview(hub, reader, ALVDAL, patientFnr);
      expect(liveFactsOf(o, m).services).toEqual(['16']);
      expect(liveFactsOf(o, n).services).toEqual([]);
      return true;
    });
  });

  it('ISO-8859-1 with æøå: bytes kept as received on the raw topic, names and texts correct in the read model', async () => {
    const birth = '1938-07-07';
    const patientFnr = fnr(birth, 71);
    const msgId = randomUUID();
    const body = buildMessage({
      kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', msgId, encoding: 'ISO-8859-1',
      patient: { familyName: 'Ærøy-Løkkå', givenName: 'Åse Øydis', birthDate: birth, fnr: patientFnr },
      services: [{ iplosCode: '15', description: 'Dusj på badet, hjelp med påkledning – ÆØÅ', startDate: '2024-01-01' }],
    });
    expect(body.toString('latin1')).toMatch(/encoding="ISO-8859-1"/);
    expect(body.includes(Buffer.from('Ærøy', 'latin1'))).toBe(true);
    const r = await post(body, 'ISO-8859-1');
    expect(r.status).toBe(202);
    const ov = await eventually(async () => {
      const o = await readOverview(hub, reader, ALVDAL, patientFnr);
      return o.services.length === 1 ? o : undefined;
    });
    expect(ov.patient).toMatchObject({ familyName: 'Ærøy-Løkkå', givenName: 'Åse Øydis' });
    expect(ov.services[0].description).toBe('Dusj på badet, hjelp med påkledning – ÆØÅ');

    // The original stays retrievable exactly as received: the raw record's payload is the same bytes.
    const codec = new AvroCodec(TEST_REGISTRY_URL, new TopicNames(TEST_NAMESPACE));
    const topic = `${TEST_NAMESPACE}.kommune.${ALVDAL}.raw.v1`;
    const records = await readTopic(topic, (rs) => rs.some((x) => x.headers['hub-correlation-id'] === msgId));
    const mine = records.filter((x) => x.headers['hub-correlation-id'] === msgId);
    expect(mine).toHaveLength(1);
    const raw = await codec.decode<RawMessageRecord>(mine[0].value!);
    expect(Buffer.compare(raw.payload, body)).toBe(0);
    expect(raw.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(raw).toMatchObject({ msgId, declaredEncoding: 'ISO-8859-1', sizeBytes: body.length, kommunenummer: ALVDAL });
  });

  // --- Duplicates ---------------------------------------------------------------------------------

  it('duplicate MsgId: 200 with the same AppRec, no second raw record or event, facts once; other bytes under it refused', async () => {
    const birth = '1940-08-08';
    const patientFnr = fnr(birth, 81);
    const msgId = randomUUID();
    const body = buildMessage({ kind: 'INNLEGGELSESRAPPORT', version: '1.6', msgId, patient: person(birth, { fnr: patientFnr }), diagnoses: [{ system: 'ICD10', code: 'I10', isMain: true }], services: [{ iplosCode: '15', startDate: '2024-01-01' }] });
    const first = await post(body, 'first');
    expect(first.status).toBe(202);
    const again = await post(body, 'again');
    expect(again.status).toBe(200);
    expect(again.headers.get('x-intake-outcome')).toBe('DUPLICATE');
    expect(again.body).toBe(first.body);
    // Other bytes under the same MsgId are not this message (issue #12 item 5): refused with E10,
    // kept on the conflicts topic (test/e2e/intake-senders), and the first message stays as it was.
    const altered = await post(body.toString('utf8').replace('</MsgHead>', '<!-- resent --></MsgHead>'), 'altered resend');
    expect(altered.status).toBe(422);
    expect(altered.appRec).toMatchObject({ status: '2', errors: ['E10'], originalMsgId: msgId });
    expect((await post(body, 'again after the conflict')).body).toBe(first.body);

    await eventually(async () => {
      const o = await readOverview(hub, reader, ALVDAL, patientFnr);
      return o.services.length === 1 ? true : undefined;
    });
    // Give the pipeline time to (wrongly) process a second copy before counting.
    await new Promise((r) => setTimeout(r, 3000));
    for (const kind of ['raw', 'events']) {
      const topic = `${TEST_NAMESPACE}.kommune.${ALVDAL}.${kind}.v1`;
      const records = await readTopic(topic, (rs) => rs.some((x) => x.headers['hub-correlation-id'] === msgId), 15000);
      expect(records.filter((x) => x.headers['hub-correlation-id'] === msgId)).toHaveLength(1);
    }
    const o = await readOverview(hub, reader, ALVDAL, patientFnr);
    expect(o.messages.filter((m) => m.msgId === msgId)).toHaveLength(1);
    expect(o.services).toHaveLength(1);
    expect(o.services[0].sources).toHaveLength(1);
    expect(o.diagnoses).toHaveLength(1);
    const db = new Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT count(*)::int AS n FROM intake_receipts WHERE msg_id = $1', [msgId]);
      expect(rows[0].n).toBe(1);
    } finally {
      await db.end();
    }
  });

  // --- AppRec conformance ----------------------------------------------------------------------------

  it('answers PLO 1.5 with AppRec 1.0', async () => {
    const r = await post(buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.5', patient: person('1950-09-09', { fnr: fnr('1950-09-09', 91) }) }), 'PLO 1.5 OK');
    expect(r.status).toBe(202);
    expect(r.appRec).toMatchObject({ version: '1.0', status: '1' });
    const rejected = await post(buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.5', patient: person('1950-09-09') }), 'PLO 1.5 E30');
    expect(rejected.status).toBe(422);
    expect(rejected.appRec).toMatchObject({ version: '1.0', status: '2', errors: ['E30'] });
  });

  (corpusXsdDir() && isXmllintAvailable() ? it : it.skip)('every AppRec written above validates against the national AppRec XSD of its version', () => {
    expect(appRecs.length).toBeGreaterThan(15);
    for (const version of ['1.0', '1.1'] as const) {
      const mine = appRecs.filter((a) => a.version === version);
      expect(mine.length).toBeGreaterThan(0);
      const results = validateAgainstXsd(version === '1.0' ? 'apprec-1.0' : 'apprec-1.1', mine.map((a) => Buffer.from(a.xml, 'utf8')));
      const failures = results.map((res, i) => ({ label: mine[i].label, ...res })).filter((res) => !res.valid);
      expect(failures).toEqual([]);
    }
  });
});
