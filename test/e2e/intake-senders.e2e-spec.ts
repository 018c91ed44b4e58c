import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { AvroCodec, MsgIdConflictRecord, RawMessageRecord, TopicNames } from '@hub/contracts';
import { ConflictService, MessageListService, OpsContext } from '@hub/ops';
import { buildMessage, fnr } from '@hub/testing';
import { eventually, HubHarness, startHub } from '../support/hub-harness';
import { TEST_DATABASE_URL, TEST_NAMESPACE, TEST_REGISTRY_URL } from '../support/test-env';
import { ALL_DEMO_KOMMUNER, demoKommuner, readAppRec, readOverview, readTopic } from './intake-support';
import { openOps } from './ops-support';

/**
 * Issue #12, "Receive as a certified receiver must", items 1, 2, 3 and 5, through the whole hub on
 * the real stack: identifiers as senders write them, MsgIds that are not UUIDs, messages without a
 * patient, and the same MsgId with other content. Messages are built with the project's builder
 * and as variants of the national examples in ../shared/corpus (read at test time, never copied).
 */
const ALVDAL = '3428';
const DRAMMEN = '3301';
/** A test kommune known to the directory only by a person's HER-id, written grouped in the file. */
const PERSONKOMMUNE = { kommunenummer: '9912', navn: 'Personkommune', herIds: ['"91 439"'] };
const CORPUS = resolve(__dirname, '../../../shared/corpus');
const DIALOG_EXAMPLE = join(CORPUS, 'Dialogmelding/Dialogmelding-v1-1/Helsefaglig dialog.xml');
const corpusIt = existsSync(DIALOG_EXAMPLE) ? it : it.skip;

const alvdalSender = { organisation: [{ name: 'Alvdal kommune', herId: '99387' }, { name: 'Saksbehandling', herId: '5078' }] };
const drammenSender = { organisation: [{ name: 'Drammen kommune', herId: '112374' }, { name: 'Hjemmesykepleien', herId: '112375' }] };
const unknownGp = { organisation: [{ name: 'Ukjent legekontor', herId: '7700002' }] };

/** The compiled `hendelseslager` CLI on the hub's configuration (startHub put it in process.env). */
function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [resolve(__dirname, '../../bin/hendelseslager.js'), ...args], { env: { ...process.env, LOG_LEVEL: 'warn' }, encoding: 'utf8', timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('intake: receive as a certified receiver must (issue #12)', () => {
  let hub: HubHarness;
  let gateway: string;
  let reader: string;
  let ops: OpsContext;
  let codec: AvroCodec;

  beforeAll(async () => {
    hub = await startHub([...demoKommuner(), PERSONKOMMUNE]);
    gateway = await hub.token({ client: 'gateway-senders', scopes: ['messages:write'], kommuner: [...ALL_DEMO_KOMMUNER(), PERSONKOMMUNE.kommunenummer] });
    reader = await hub.token({ client: 'senders-reader', scopes: ['patients:read'], kommuner: ALL_DEMO_KOMMUNER() });
    ops = await openOps();
    codec = new AvroCodec(TEST_REGISTRY_URL, new TopicNames(TEST_NAMESPACE));
  });
  afterAll(async () => {
    await ops?.close();
    await hub?.close();
  });

  async function post(body: Buffer | string, headers: Record<string, string> = {}) {
    const response = await fetch(`${hub.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${gateway}`, 'Content-Type': 'application/xml', ...headers },
      body,
    });
    const text = await response.text();
    return { status: response.status, body: text, headers: response.headers, appRec: readAppRec(text) };
  }

  async function rawRecords(knr: string, correlationId: string) {
    const topic = `${TEST_NAMESPACE}.kommune.${knr}.raw.v1`;
    const records = await readTopic(topic, (rs) => rs.some((x) => x.headers['hub-correlation-id'] === correlationId), 15000);
    const mine = records.filter((x) => x.headers['hub-correlation-id'] === correlationId);
    return Promise.all(mine.map(async (r) => ({ key: r.key?.toString() ?? null, raw: await codec.decode<RawMessageRecord>(r.value!) })));
  }

  async function metric(name: string, labels: string): Promise<number> {
    // /metrics on the API port wants a token with scope metrics:read.
    const scraper = await hub.token({ client: 'prometheus', scopes: ['metrics:read'], kommuner: [] });
    const response = await fetch(`${hub.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${scraper}` } });
    expect(response.status).toBe(200);
    const text = await response.text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  // --- 1. Identifiers as senders write them ----------------------------------------------------------

  corpusIt('corpus variant: the Dialogmelding example with grouped / zero-padded HER-ids and transport headers is routed and stored canonical', async () => {
    const msgId = randomUUID();
    const variant = readFileSync(DIALOG_EXAMPLE, 'utf8')
      .replace(/<MsgId>[^<]*<\/MsgId>/, `<MsgId>${msgId}</MsgId>`)
      .replace('<Id>56704</Id>', '<Id>56 704</Id>')
      .replace('<Id>258521</Id>', '<Id>258.521</Id>')
      .replace('<Id>59</Id>', '<Id>0059</Id>');
    const r = await post(variant, { 'X-From-Her-Id': '056 704', 'X-To-Her-Id': '0059' });
    expect(r.status).toBe(202);
    expect(r.appRec).toMatchObject({ status: '1', errors: [], originalMsgId: msgId });
    const [stored] = await rawRecords(ALVDAL, msgId);
    expect(stored.raw.senderHerIds).toEqual(['56704', '258521']);
    expect(stored.raw.receiverHerIds).toEqual(['59', '90998']);
    expect(stored.raw.transport).toMatchObject({ fromHerId: '56704', toHerId: '59' });
    // The hub's AppRec names the parties by their HER-ids, canonical.
    expect(r.body).toContain('<Id>258521</Id>');
  });

  it('builder: an Epikrise 1.2 whose receiver is known only by its HCPerson HER-id in AdditionalId (directory lists it grouped) is routed there', async () => {
    const msgId = randomUUID();
    const body = buildMessage({
      kind: 'EPIKRISE', version: '1.2', msgId,
      receiver: { organisation: unknownGp.organisation, healthcareProfessional: { name: 'Rita Lin', hprNumber: '9144900', herId: '091439' } },
      sender: unknownGp,
      patient: { familyName: 'Prøve', givenName: 'Person', birthDate: '1961-03-04', fnr: fnr('1961-03-04', 17) },
    });
    const r = await post(body);
    expect(r.status).toBe(202);
    expect(r.headers.get('x-intake-outcome')).toBe('ACCEPTED');
    expect(await rawRecords(PERSONKOMMUNE.kommunenummer, msgId)).toHaveLength(1);
  });

  it('builder: a fødselsnummer grouped with a space is the patient of the same number (readable by the plain number)', async () => {
    const birth = '1958-11-12';
    const patientFnr = fnr(birth, 41);
    const msgId = randomUUID();
    const body = buildMessage({ kind: 'INNLEGGELSESRAPPORT', version: '1.6', msgId, patient: { familyName: 'Prøve', givenName: 'Person', birthDate: birth, fnr: patientFnr }, diagnoses: [{ system: 'ICD10', code: 'J441', isMain: true }] })
      .toString('utf8')
      .replace(`<Id>${patientFnr}</Id>`, `<Id>${patientFnr.slice(0, 6)} ${patientFnr.slice(6)}</Id>`);
    expect(body).toContain(`${patientFnr.slice(0, 6)} ${patientFnr.slice(6)}`);
    const r = await post(body);
    expect(r.status).toBe(202);
    await eventually(async () => {
      const o = await readOverview(hub, reader, ALVDAL, patientFnr);
      return o.messages.some((m) => m.msgId === msgId) ? true : undefined;
    });
  });

  // --- 2. MsgIds that are not UUIDs ----------------------------------------------------------------------

  it('a non-UUID MsgId is accepted; two senders may use the same one; each resend is recognised per sender', async () => {
    const msgId = `DIALOG-${Date.now()}`;
    const fromAlvdal = buildMessage({ kind: 'DIALOG_NOTAT', version: '1.1', msgId, sender: alvdalSender, receiver: unknownGp, note: 'Alvdal' });
    const fromDrammen = buildMessage({ kind: 'DIALOG_NOTAT', version: '1.1', msgId, sender: drammenSender, receiver: unknownGp, note: 'Drammen' });
    const a = await post(fromAlvdal);
    expect(a.status).toBe(202);
    expect(a.appRec).toMatchObject({ status: '1', errors: [], originalMsgId: msgId });
    const d = await post(fromDrammen);
    expect(d.status).toBe(202);
    expect(d.appRec).toMatchObject({ status: '1', originalMsgId: msgId });
    // Identical resends: 200 with each sender's own first AppRec.
    const again = await post(fromAlvdal);
    expect(again.status).toBe(200);
    expect(again.body).toBe(a.body);
    expect((await post(fromDrammen)).body).toBe(d.body);

    expect(await rawRecords(ALVDAL, msgId)).toHaveLength(1);
    expect(await rawRecords(DRAMMEN, msgId)).toHaveLength(1);
    const db = new Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT message_key FROM intake_receipts WHERE msg_id = $1 ORDER BY message_key', [msgId]);
      expect(rows.map((x) => x.message_key)).toEqual([`her:112374|${msgId}`, `her:99387|${msgId}`]);
    } finally {
      await db.end();
    }
    // Findable by the MsgId as sent, in each kommune's list of messages.
    const listed = await eventually(async () => {
      const l = await new MessageListService(ops).list(ALVDAL, { msgId });
      return l.length > 0 ? l : undefined;
    });
    expect(listed).toEqual([expect.objectContaining({ msgId, senderHerId: '99387', msgType: 'DIALOG_NOTAT' })]);
  });

  it('a non-UUID MsgId with a patient: projected under its sender-scoped key, Endring joins it, the original readable as Binary', async () => {
    const birth = '1947-07-07';
    const patientFnr = fnr(birth, 47);
    const patient = { familyName: 'Prøve', givenName: 'Person', birthDate: birth, fnr: patientFnr };
    const n = `ORI-${Date.now()}`;
    const m = `${n}-E`;
    const base = { kind: 'ORIENTERING_TJENESTETILBUD' as const, version: '1.6' as const, sender: alvdalSender, receiver: unknownGp, patient };
    const original = buildMessage({ ...base, msgId: n, services: [{ iplosCode: '15', startDate: '2024-01-01' }] });
    expect((await post(original)).status).toBe(202);
    // The Endring names its original by the MsgId as sent; the sender writes its HER-id grouped this time.
    const grouped = { organisation: [{ name: 'Alvdal kommune', herId: '99.387' }, { name: 'Saksbehandling', herId: '5078' }] };
    expect((await post(buildMessage({ ...base, sender: grouped, status: 'M', msgId: m, refToParent: n, genDate: '2024-03-02T10:00:00', services: [{ iplosCode: '16', startDate: '2024-01-01' }] }))).status).toBe(202);
    const ov = await eventually(async () => {
      const o = await readOverview(hub, reader, ALVDAL, patientFnr);
      return o.services.some((s) => s.iplosCode === '16') ? o : undefined;
    });
    expect(ov.services.filter((s) => s.status !== 'cancelled').map((s) => s.iplosCode)).toEqual(['16']);
    const shown = (ov.messages as Array<{ msgId: string; originalId?: string; documentState: string | null }>).find((x) => x.msgId === `her:99387|${n}`);
    expect(shown?.documentState).toBe('ACTIVE');
    const binary = await eventually(async () => {
      const r = await fetch(`${hub.baseUrl}/fhir/${ALVDAL}/Binary/${shown!.originalId}`, { headers: { Authorization: `Bearer ${reader}`, 'X-Purpose-Of-Use': 'TREAT' } });
      return r.status === 200 ? Buffer.from(await r.arrayBuffer()) : undefined;
    });
    expect(Buffer.compare(binary, original)).toBe(0);
  });

  it.each([
    ['a MsgId of non-ASCII printable characters', `Melding-Ås-${Date.now()}`, 202],
    ['a MsgId of 200 characters', `L${Date.now()}`.padEnd(200, 'x'), 202],
  ])('%s is accepted (the X-Original-Msg-Id header stays writable)', async (_label, msgId, status) => {
    const r = await post(buildMessage({ kind: 'DIALOG_NOTAT', version: '1.1', msgId, sender: alvdalSender, receiver: unknownGp }));
    expect(r.status).toBe(status);
    expect(r.appRec).toMatchObject({ status: '1', originalMsgId: msgId });
    expect(decodeURIComponent(r.headers.get('x-original-msg-id')!)).toBe(msgId);
  });

  it.each([
    ['longer than 200 characters', 'x'.repeat(201)],
    // The builder escapes what it is given; the character reference is put into the bytes afterwards.
    ['with a line break', 'abc&#10;def'],
    ['with a C1 control character', 'abc&#x85;def'],
    ['of spaces only', '   '],
  ])('a MsgId %s is refused with E10', async (_label, msgId) => {
    const body = buildMessage({ kind: 'DIALOG_NOTAT', version: '1.1', msgId: 'PLACEHOLDER', sender: alvdalSender, receiver: unknownGp }).toString('utf8').replace('PLACEHOLDER', msgId);
    const r = await post(body);
    expect(r.status).toBe(422);
    expect(r.appRec).toMatchObject({ status: '2', errors: ['E10'] });
  });

  // --- 3. Messages without a patient ----------------------------------------------------------------------

  it('a Dialogmelding naming no patient: 202, on the raw topic under a key that is neither a pseudonym nor the MsgId, listed, nothing projected', async () => {
    const msgId = `uten-pasient-${Date.now()}`;
    const r = await post(buildMessage({ kind: 'DIALOG_FORESPORSEL', version: '1.1', msgId, sender: alvdalSender, receiver: unknownGp, patient: undefined }));
    expect(r.status).toBe(202);
    expect(r.appRec).toMatchObject({ status: '1', errors: [], originalMsgId: msgId });
    const [stored] = await rawRecords(ALVDAL, msgId);
    expect(stored.raw.patientPseudonym).toBeNull();
    expect(stored.key).toMatch(/^msg:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stored.key).not.toContain(msgId);
    // The event says there is nothing to project, under the same kind of key.
    const events = await readTopic(`${TEST_NAMESPACE}.kommune.${ALVDAL}.events.v1`, (rs) => rs.some((x) => x.headers['hub-correlation-id'] === msgId), 20000);
    const event = events.find((x) => x.headers['hub-correlation-id'] === msgId);
    expect(event?.headers['hub-event-type']).toBe('NOT_PROJECTED');
    expect(event?.key?.toString()).toBe(stored.key);
    const listed = await eventually(async () => {
      const l = await new MessageListService(ops).list(ALVDAL, { msgId });
      return l.length > 0 ? l : undefined;
    });
    expect(listed).toEqual([expect.objectContaining({ msgId, hasPatient: false, msgType: 'DIALOG_FORESPORSEL' })]);
    // And in the kommune's whole list (newest first), not only by MsgId; the compiled CLI shows it.
    expect((await new MessageListService(ops).list(ALVDAL, { limit: 50 })).some((m) => m.msgId === msgId)).toBe(true);
    const json = cli('--json', 'messages', 'list', '--kommune', ALVDAL, '--msg-id', msgId);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ msgId, hasPatient: false })]);
    expect(cli('messages', 'list', '--kommune', ALVDAL, '--limit', '20').stdout).toMatch(/no patient/);
  });

  corpusIt('corpus variant: the Dialogmelding example without its Patient element is accepted', async () => {
    const msgId = randomUUID();
    const variant = readFileSync(DIALOG_EXAMPLE, 'utf8').replace(/<MsgId>[^<]*<\/MsgId>/, `<MsgId>${msgId}</MsgId>`).replace(/<Patient>[\s\S]*?<\/Patient>/, '');
    expect(variant).not.toMatch(/<Patient>/);
    const r = await post(variant);
    expect(r.status).toBe(202);
    expect(r.appRec).toMatchObject({ status: '1', errors: [] });
  });

  it('an Orientering (PLO requires the patient) naming no patient is still refused with E30', async () => {
    const r = await post(buildMessage({ kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', patient: undefined }));
    expect(r.status).toBe(422);
    expect(r.appRec).toMatchObject({ status: '2', errors: ['E30'] });
  });

  // --- 5. The same MsgId with other content --------------------------------------------------------------

  it('other bytes under a known MsgId: refused (E10), kept on the conflicts topic with both hashes, counted, listed; an identical resend still gets 200', async () => {
    const birth = '1944-04-04';
    const patientFnr = fnr(birth, 44);
    const msgId = randomUUID();
    const base = { kind: 'INNLEGGELSESRAPPORT' as const, version: '1.6' as const, msgId, patient: { familyName: 'Prøve', givenName: 'Person', birthDate: birth, fnr: patientFnr } };
    const first = buildMessage({ ...base, diagnoses: [{ system: 'ICD10', code: 'I10', isMain: true }] });
    const other = buildMessage({ ...base, diagnoses: [{ system: 'ICD10', code: 'C509', isMain: true }] });
    const conflictsBefore = await metric('hendelseslager_intake_msgid_conflicts_total', 'msg_id_form="uuid"');

    const accepted = await post(first);
    expect(accepted.status).toBe(202);
    const refused = await post(other);
    expect(refused.status).toBe(422);
    expect(refused.headers.get('x-intake-outcome')).toBe('REJECTED');
    expect(refused.appRec).toMatchObject({ status: '2', errors: ['E10'], originalMsgId: msgId });
    expect(refused.body).toMatch(/already used for another message/);
    // An identical resend keeps today's answer.
    const resend = await post(first);
    expect(resend.status).toBe(200);
    expect(resend.body).toBe(accepted.body);

    expect(await metric('hendelseslager_intake_msgid_conflicts_total', 'msg_id_form="uuid"')).toBe(conflictsBefore + 1);
    const records = await readTopic(`${TEST_NAMESPACE}.kommune.${ALVDAL}.conflicts.v1`, (rs) => rs.some((x) => x.headers['hub-correlation-id'] === msgId), 15000);
    const mine = records.filter((x) => x.headers['hub-correlation-id'] === msgId);
    expect(mine).toHaveLength(1);
    const conflict = await codec.decode<MsgIdConflictRecord>(mine[0].value!);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(conflict).toMatchObject({ msgId, messageKey: msgId, firstSha256: sha(first), conflictingSha256: sha(other), kommunenummer: ALVDAL });
    expect(Buffer.compare(conflict.payload, other)).toBe(0);
    expect(mine[0].key?.toString()).not.toContain(patientFnr);

    const listed = await new ConflictService(ops).list(ALVDAL);
    expect(listed.filter((c) => c.msgId === msgId)).toEqual([expect.objectContaining({ firstSha256: sha(first), conflictingSha256: sha(other), gatewayClient: 'gateway-senders' })]);
    // The compiled ops CLI lists it too (`npm run build` first), as JSON and as text.
    const json = cli('--json', 'conflicts', 'list', '--kommune', ALVDAL);
    expect(json.status).toBe(0);
    expect((JSON.parse(json.stdout) as Array<{ msgId: string; conflictingSha256: string }>).filter((c) => c.msgId === msgId)).toEqual([expect.objectContaining({ conflictingSha256: sha(other) })]);
    expect(cli('conflicts', 'list', '--kommune', ALVDAL).stdout).toContain(msgId);
    expect(cli('conflicts', 'list').status).toBe(2);

    // Nothing of the refused content reached the raw topic or the read model.
    expect(await rawRecords(ALVDAL, msgId)).toHaveLength(1);
    const ov = await eventually(async () => {
      const o = await readOverview(hub, reader, ALVDAL, patientFnr);
      return o.diagnoses.length > 0 ? o : undefined;
    });
    expect(ov.diagnoses.map((d) => d.code)).toEqual(['I10']);
  });

  it('the same non-UUID MsgId with other bytes from the same sender is a conflict; from another sender it is another message', async () => {
    const msgId = `N-${Date.now()}`;
    const before = await metric('hendelseslager_intake_msgid_conflicts_total', 'msg_id_form="sender-scoped"');
    expect((await post(buildMessage({ kind: 'DIALOG_NOTAT', version: '1.1', msgId, sender: alvdalSender, receiver: unknownGp, note: 'første' }))).status).toBe(202);
    // The same sender with its HER-id written another way is the same sender.
    const grouped = { organisation: [{ name: 'Alvdal kommune', herId: '99 387' }, { name: 'Saksbehandling', herId: '5078' }] };
    const conflict = await post(buildMessage({ kind: 'DIALOG_NOTAT', version: '1.1', msgId, sender: grouped, receiver: unknownGp, note: 'andre' }));
    expect(conflict.status).toBe(422);
    expect(conflict.appRec).toMatchObject({ status: '2', errors: ['E10'] });
    expect(await metric('hendelseslager_intake_msgid_conflicts_total', 'msg_id_form="sender-scoped"')).toBe(before + 1);
    expect((await post(buildMessage({ kind: 'DIALOG_NOTAT', version: '1.1', msgId, sender: drammenSender, receiver: unknownGp, note: 'andre' }))).status).toBe(202);
  });
});
