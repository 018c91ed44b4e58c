import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { buildMessage, fnr } from '@hub/testing';
import { eventually, HubHarness, startHub } from '../support/hub-harness';
import { errorsOf, OfficialFhirValidator } from '../support/official-fhir-validator';
import { TEST_DATABASE_URL } from '../support/test-env';
import { expectAccepted, postMessage } from './intake-support';

type Json = Record<string, any>;
const FHIR_JSON = 'application/fhir+json';
const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
const TOPICS = {
  changed: 'http://hendelseslager.example/fhir/SubscriptionTopic/patient-record-changed',
  received: 'http://hendelseslager.example/fhir/SubscriptionTopic/message-received',
};

/** One notification as the receiver got it. */
interface Received {
  path: string;
  bundle: Json;
  auditId: string | null;
  at: number;
}

/**
 * A real HTTP receiver (a journal system's rest-hook endpoint): records every POST, answers 200,
 * or `failWith` while set; can be stopped and started again on the same port.
 */
class Receiver {
  readonly received: Received[] = [];
  failWith?: number;
  private server?: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.failWith) {
          res.writeHead(this.failWith).end();
          return;
        }
        this.received.push({ path: req.url ?? '', bundle: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json, auditId: (req.headers['x-audit-id'] as string | undefined) ?? null, at: Date.now() });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  of(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }
}

/** `Type/id` of an absolute reference into the hub's FHIR API. */
const relative = (reference: string | undefined) => reference?.replace(/^https?:\/\/[^/]+\/fhir\/\d{4}\//, '');

/** The SubscriptionStatus (first entry) of a notification, as name → value, and its events. */
function statusOf(bundle: Json): { type: string; status: string; since: string; events: Array<{ number: string; focus?: string; context: string[] }> } {
  const parameters = bundle.entry[0].resource.parameter as Json[];
  const value = (name: string) => parameters.find((p) => p.name === name);
  return {
    type: value('type')?.valueCode,
    status: value('status')?.valueCode,
    since: value('events-since-subscription-start')?.valueString,
    events: parameters
      .filter((p) => p.name === 'notification-event')
      .map((p) => ({
        number: (p.part as Json[]).find((x) => x.name === 'event-number')!.valueString,
        focus: relative((p.part as Json[]).find((x) => x.name === 'focus')?.valueReference.reference),
        context: (p.part as Json[]).filter((x) => x.name === 'additional-context').map((x) => relative(x.valueReference.reference)!),
      })),
  };
}

/**
 * Issue #14 part 2: topic-based Subscriptions (R4 Backport IG) delivered by rest-hook to a real
 * HTTP receiver, through the whole hub: intake → normalizer → event topic → notifier (its own
 * consumer group) → receiver. Handshake, N/M/C in order with the right content, every
 * notification audited and valid by the official validator, heartbeats, retries with backoff to
 * status error while the receiver is down and recovery through `$events`, and a blocked patient
 * who produces no notification.
 */
describe('Subscriptions: rest-hook notifications', () => {
  const kommune = { kommunenummer: '9953', navn: 'Varslingsvik', herIds: ['8853001', '8853002', '8853100'] };
  const sender = { organisation: [{ name: 'Varslingsvik kommune', herId: '8853001' }, { name: 'Tildelingskontoret', herId: '8853002' }] };
  const receiverOrg = { organisation: [{ name: 'Varslingsvik legekontor', herId: '8853100' }] };
  const kari = { familyName: 'Nordmann', givenName: 'Kari', birthDate: '1944-03-12', sex: '2' as const, fnr: fnr('1944-03-12', 412) };
  const ola = { familyName: 'Hansen', givenName: 'Ola', birthDate: '1950-06-30', sex: '1' as const, fnr: fnr('1950-06-30', 233) };
  const per = { familyName: 'Sperre', givenName: 'Per', birthDate: '1960-01-15', sex: '1' as const, fnr: fnr('1960-01-15', 311) };
  const token = (p: { fnr: string }) => `urn:oid:2.16.578.1.12.4.1.4.1|${p.fnr}`;
  const receiver = new Receiver();
  let hub: HubHarness;
  let subscriber: string;
  let gateway: string;
  let db: Client;
  let starting: Promise<OfficialFhirValidator>;
  const validated: string[] = [];

  const officialErrors = async (label: string, resource: Json): Promise<string[]> => {
    const issues = await (await starting).validate(resource);
    validated.push(label);
    return errorsOf(issues).map((e) => `${label}: ${e}`);
  };
  const base = () => `${hub.baseUrl}/fhir/${kommune.kommunenummer}/Subscription`;
  const subscribe = async (topic: string, filters: string[], endpoint: string, channel: { content?: string; heartbeat?: number } = {}) => {
    const response = await fetch(base(), {
      method: 'POST',
      headers: { Authorization: `Bearer ${subscriber}`, 'Content-Type': FHIR_JSON, 'X-Purpose-Of-Use': 'COC' },
      body: JSON.stringify({
        resourceType: 'Subscription', status: 'requested', reason: 'Hjemmetjenesten følger pasienten', criteria: topic,
        _criteria: { extension: filters.map((valueString) => ({ url: `${BACKPORT}/backport-filter-criteria`, valueString })) },
        channel: {
          ...(channel.heartbeat ? { extension: [{ url: `${BACKPORT}/backport-heartbeat-period`, valueUnsignedInt: channel.heartbeat }] } : {}),
          type: 'rest-hook', endpoint, payload: FHIR_JSON,
          _payload: { extension: [{ url: `${BACKPORT}/backport-payload-content`, valueCode: channel.content ?? 'id-only' }] },
        },
      }),
    });
    const body = (await response.json()) as Json;
    expect([response.status, body.resourceType]).toEqual([201, 'Subscription']);
    return body;
  };
  const get = async (path: string) => {
    const response = await fetch(`${base()}/${path}`, { headers: { Authorization: `Bearer ${subscriber}`, Accept: FHIR_JSON } });
    return { status: response.status, body: (await response.json()) as Json, auditId: response.headers.get('x-audit-id') };
  };
  const post = async (body: Buffer) => {
    const posted = await postMessage(hub, gateway, body);
    expectAccepted(hub, posted);
  };
  const services = (patient: { familyName: string; givenName: string; birthDate: string; sex: '1' | '2'; fnr: string }, status: 'N' | 'M' | 'C', msgId: string, documentId: string, refToParent?: string, description = 'Hjemmesykepleie') =>
    buildMessage({
      kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', status, msgId, documentId, ...(refToParent ? { refToParent } : {}), genDate: '2024-01-02T08:00:00', sender, receiver: receiverOrg, patient,
      ...(status === 'C' ? {} : { services: [{ iplosCode: '15', description, amount: '1', unit: 'time hver dag', startDate: '2024-01-03' }] }),
    });

  beforeAll(async () => {
    starting = OfficialFhirValidator.start();
    starting.catch(() => undefined);
    await receiver.start();
    hub = await startHub([kommune], { NOTIFIER_ALLOW_HTTP: 'true', NOTIFIER_ALLOWED_HOSTS: '127.0.0.1', NOTIFIER_RETRY_BASE_MS: '200', NOTIFIER_MAX_ATTEMPTS: '4', NOTIFIER_POLL_MS: '100' });
    subscriber = await hub.token({ client: 'epj-varsling', scopes: ['subscriptions:write', 'patients:read'], kommuner: [kommune.kommunenummer] });
    gateway = await hub.token({ client: 'gateway-varslingsvik', scopes: ['messages:write'], kommuner: [kommune.kommunenummer] });
    db = new Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
  }, 180000);
  afterAll(async () => {
    await hub?.close();
    await receiver.stop();
    await db?.end();
    await (await starting.catch(() => undefined))?.close();
  });

  const n = { msgId: randomUUID(), doc: randomUUID() };
  const m = randomUUID();
  const c = randomUUID();
  let changed: Json;
  let received: Json;

  it('handshake (requested → active), then N, M and C in order: full-resource and id-only content, each notification audited and valid', async () => {
    changed = await subscribe(TOPICS.changed, [`EpisodeOfCare?patient.identifier=${token(kari)}`], receiver.url('/changed'), { content: 'full-resource' });
    received = await subscribe(TOPICS.received, [`patient.identifier=${token(kari)}`], receiver.url('/received'));
    expect(changed.status).toBe('requested');
    await eventually(async () => (receiver.of('/changed').length && receiver.of('/received').length ? true : undefined));
    for (const path of ['/changed', '/received']) expect(statusOf(receiver.of(path)[0].bundle)).toMatchObject({ type: 'handshake', status: 'requested', since: '0', events: [] });
    await eventually(async () => ((await get(changed.id as string)).body.status === 'active' ? true : undefined));

    await post(services(kari, 'N', n.msgId, n.doc));
    await post(services(ola, 'N', randomUUID(), randomUUID())); // another patient: nobody subscribed
    await post(services(kari, 'M', m, n.doc, n.msgId, 'Hjemmesykepleie morgen og kveld'));
    await post(services(kari, 'C', c, n.doc, n.msgId));

    const eventsOf = (path: string) => receiver.of(path).filter((r) => statusOf(r.bundle).type === 'event-notification');
    await eventually(async () => (eventsOf('/changed').flatMap((r) => statusOf(r.bundle).events).length >= 3 && eventsOf('/received').flatMap((r) => statusOf(r.bundle).events).length >= 3 ? true : undefined), 90000, 250);
    // In order, numbered 1..3 per subscription, nothing twice and nothing about Ola.
    for (const path of ['/changed', '/received']) expect(eventsOf(path).flatMap((r) => statusOf(r.bundle).events.map((e) => e.number))).toEqual(['1', '2', '3']);
    // message-received, id-only: the original messages as additional context, in posting order; entries without resources.
    const receivedEvents = eventsOf('/received').flatMap((r) => statusOf(r.bundle).events);
    expect(receivedEvents.map((e) => e.context[0])).toEqual([`Binary/${n.msgId}`, `Binary/${m}`, `Binary/${c}`]);
    const patientRef = receivedEvents[0].focus!;
    expect(patientRef).toMatch(/^Patient\/[0-9a-f]{1,64}$/);
    expect(receivedEvents.every((e) => e.focus === patientRef)).toBe(true);
    for (const r of eventsOf('/received')) expect(r.bundle.entry.slice(1).every((e: Json) => e.resource === undefined && typeof e.fullUrl === 'string')).toBe(true);
    // patient-record-changed, full-resource: the N's and the M's EpisodeOfCare as served, the Patient; the C removes it.
    const changedEntries = eventsOf('/changed').flatMap((r) => (r.bundle.entry as Json[]).slice(1).map((e) => e.resource as Json));
    const episodes = changedEntries.filter((r) => r.resourceType === 'EpisodeOfCare');
    expect(episodes.length).toBeGreaterThan(0);
    // As the read model holds them at delivery: from this document's messages only.
    expect(episodes.every((e) => [n.msgId, m, c].map((id) => `urn:uuid:${id}`).includes(e.meta.source))).toBe(true);
    const patient = changedEntries.find((r) => r.resourceType === 'Patient')!;
    expect(patient.identifier[0].value).toBe(kari.fnr);
    expect(`Patient/${patient.id}`).toBe(patientRef);

    // Every notification with events is an audited read by the subscriber, with its purpose of use.
    const withEvents = [...eventsOf('/changed'), ...eventsOf('/received')];
    for (const r of withEvents) {
      expect(r.auditId).toMatch(/^[0-9a-f-]{36}$/);
      const row = await eventually(async () => (await db.query('SELECT * FROM audit_log WHERE audit_id = $1', [r.auditId])).rows[0] as Json | undefined, 30000);
      expect(row).toMatchObject({ client_id: 'epj-varsling', purpose_of_use: 'COC', action: 'READ', outcome: 'SUCCESS' });
      expect(row.resource).toMatch(/^Subscription\/[0-9a-f-]{36}:/);
    }
    // And no audited read without a notification: one not ready yet (the notifier numbered an event
    // before the projector stored it) is found out before the record is read.
    const audited = await db.query('SELECT count(*)::int AS n FROM audit_log WHERE resource LIKE $1 OR resource LIKE $2', [`Subscription/${changed.id}:%`, `Subscription/${received.id}:%`]);
    expect(audited.rows[0].n).toBe(withEvents.length);
    // No health data in the hub's logs about deliveries.
    const deliveryLogs = hub.logs.filter((l) => l.includes('Notification'));
    expect(deliveryLogs.length).toBeGreaterThan(0);
    for (const line of deliveryLogs) expect(line).not.toMatch(new RegExp(`${kari.fnr}|Nordmann|Hjemmesykepleie`));

    const errors: string[] = [];
    for (const r of [...receiver.of('/changed'), ...receiver.of('/received')]) errors.push(...(await officialErrors(`${statusOf(r.bundle).type} ${r.path}`, r.bundle)));
    errors.push(...(await officialErrors('$status', (await get(`${changed.id}/$status`)).body)));
    expect(errors).toEqual([]);
  }, 240000);

  it('heartbeat per heartbeatPeriod when nothing else is sent; $status tells the receiver where it stands', async () => {
    const quiet = await subscribe(TOPICS.received, [`patient.identifier=${token(ola)}`], receiver.url('/heartbeat'), { content: 'empty', heartbeat: 1 });
    await eventually(async () => (receiver.of('/heartbeat').filter((r) => statusOf(r.bundle).type === 'heartbeat').length >= 2 ? true : undefined), 30000);
    const beats = receiver.of('/heartbeat');
    expect(statusOf(beats[0].bundle).type).toBe('handshake');
    const heartbeats = beats.filter((r) => statusOf(r.bundle).type === 'heartbeat');
    expect(statusOf(heartbeats[0].bundle)).toMatchObject({ status: 'active', since: '0', events: [] });
    // About one second apart, not a burst.
    expect(heartbeats[1].at - heartbeats[0].at).toBeGreaterThanOrEqual(800);
    const status = (await get(`${quiet.id}/$status`)).body;
    expect(statusOf({ entry: [{ resource: status.entry[0].resource }] })).toMatchObject({ type: 'query-status', status: 'active', since: '0' });
    const errors = [...(await officialErrors('heartbeat', heartbeats[0].bundle)), ...(await officialErrors('$status', status))];
    expect(errors).toEqual([]);
    expect((await fetch(`${base()}/${quiet.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${subscriber}` } })).status).toBe(204);
  }, 60000);

  it('receiver answering 503: retried with backoff, then status error', async () => {
    receiver.failWith = 503;
    const t0 = Date.now();
    const errored = await subscribe(TOPICS.received, [`patient.identifier=${token(ola)}`], receiver.url('/failing'));
    const failed = await eventually(async () => {
      const s = (await get(errored.id as string)).body;
      return s.status === 'error' ? s : undefined;
    }, 30000, 100);
    receiver.failWith = undefined;
    // Backoff: 200 + 400 + 800 ms between the four attempts (NOTIFIER_RETRY_BASE_MS=200, doubling).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    // The handshake never got through: requested, then error after NOTIFIER_MAX_ATTEMPTS (4).
    expect(failed.error).toBe('endpoint answered HTTP 503');
    expect(receiver.of('/failing')).toEqual([]);
    const attempts = (await db.query('SELECT attempts FROM fhir_subscriptions WHERE id = $1', [errored.id])).rows[0].attempts as number;
    expect(attempts).toBe(4);
  }, 60000);

  it('receiver down (process stopped): retries, then status error; nothing is lost: $events returns the missed events (audited), and an update to requested delivers them', async () => {
    const before = receiver.received.length;
    await receiver.stop();
    const more = [randomUUID(), randomUUID()];
    const doc = randomUUID();
    await post(services(kari, 'N', more[0], doc));
    await post(services(kari, 'M', more[1], doc, more[0], 'Praktisk bistand'));
    // 4 attempts, 200 ms doubling: error within a few seconds of the first failure.
    const failed = await eventually(async () => {
      const s = (await get(received.id as string)).body;
      return s.status === 'error' ? s : undefined;
    }, 90000, 250);
    expect(failed.error).toBe('endpoint not reachable (ECONNREFUSED)');
    await receiver.start(); // the same port again
    const status = statusOf({ entry: [{ resource: (await get(`${received.id}/$status`)).body.entry[0].resource }] });
    expect(status).toMatchObject({ status: 'error', since: '5' });

    expect(receiver.received.length).toBe(before); // the hub does not resend by itself once in error
    const missed = await get(`${received.id}/$events?eventsSinceNumber=4&content=full-resource`);
    expect(missed.status).toBe(200);
    const recovered = statusOf(missed.body);
    expect(recovered).toMatchObject({ type: 'query-event', status: 'error', since: '5' });
    expect(recovered.events.map((e) => [e.number, e.context[0]])).toEqual([['4', `Binary/${more[0]}`], ['5', `Binary/${more[1]}`]]);
    const types = (missed.body.entry as Json[]).slice(1).map((e) => e.resource?.resourceType);
    expect(types).toContain('Patient');
    expect(types).toContain('EpisodeOfCare');
    expect(types.every((t) => t !== undefined)).toBe(true);
    const row = await eventually(async () => (await db.query('SELECT * FROM audit_log WHERE audit_id = $1', [missed.auditId])).rows[0] as Json | undefined, 30000);
    expect(row).toMatchObject({ client_id: 'epj-varsling', purpose_of_use: 'COC', outcome: 'SUCCESS' });
    // All five from the start, in order.
    expect(statusOf((await get(`${received.id}/$events`)).body).events.map((e) => e.number)).toEqual(['1', '2', '3', '4', '5']);
    expect(await officialErrors('$events', missed.body)).toEqual([]);

    // Or start it again: an update to status requested gives a new handshake, then the events not
    // delivered yet (4 and 5), in order, as notifications.
    const { error: _error, ...asRead } = (await get(received.id as string)).body;
    const put = await fetch(`${base()}/${received.id}`, { method: 'PUT', headers: { Authorization: `Bearer ${subscriber}`, 'Content-Type': FHIR_JSON }, body: JSON.stringify({ ...asRead, status: 'requested' }) });
    expect([put.status, ((await put.json()) as Json).status]).toEqual([200, 'requested']);
    const resumed = await eventually(async () => {
      const after = receiver.received.slice(before).filter((r) => r.path === '/received').map((r) => statusOf(r.bundle));
      return after.flatMap((s) => s.events).length >= 2 ? after : undefined;
    }, 30000);
    expect(resumed[0]).toMatchObject({ type: 'handshake', status: 'requested' });
    expect(resumed.slice(1).flatMap((s) => s.events.map((e) => [e.number, e.context[0]]))).toEqual([['4', `Binary/${more[0]}`], ['5', `Binary/${more[1]}`]]);
    expect((await get(received.id as string)).body.status).toBe('active');
    // Only the status may change.
    const other = await fetch(`${base()}/${received.id}`, { method: 'PUT', headers: { Authorization: `Bearer ${subscriber}`, 'Content-Type': FHIR_JSON }, body: JSON.stringify({ ...asRead, status: 'requested', reason: 'noe annet' }) });
    expect(other.status).toBe(400);
  }, 120000);

  it('a blocked patient (sperring) produces no notification, and the withheld read is audited as BLOCKED', async () => {
    const blocked = await subscribe(TOPICS.received, [`patient.identifier=${token(per)}`], receiver.url('/blocked'), { content: 'full-resource' });
    await eventually(async () => ((await get(blocked.id as string)).body.status === 'active' ? true : undefined));
    const self = await hub.token({ client: 'helsenorge', scopes: ['patient:self'], kommuner: [kommune.kommunenummer], pid: per.fnr });
    const block = await fetch(`${hub.baseUrl}/api/v1/kommuner/${kommune.kommunenummer}/me/blocking`, { method: 'PUT', headers: { Authorization: `Bearer ${self}` } });
    expect(block.status).toBe(200);
    await post(services(per, 'N', randomUUID(), randomUUID(), undefined, 'Trygghetsalarm'));
    // The event is numbered, and its delivery withheld: the audit trail has the BLOCKED read.
    const row = await eventually(async () => (await db.query("SELECT * FROM audit_log WHERE client_id = 'epj-varsling' AND resource LIKE $1 AND outcome = 'BLOCKED'", [`Subscription/${blocked.id}:%`])).rows[0] as Json | undefined, 90000, 500);
    expect(row.purpose_of_use).toBe('COC');
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.of('/blocked').map((r) => statusOf(r.bundle).type)).toEqual(['handshake']);
    expect((await get(`${blocked.id}/$events`)).status).toBe(403);
  }, 120000);

  it('refuses endpoints the policy does not allow (SSRF guard): a private address, plain http elsewhere only when allowed', async () => {
    const refused = await fetch(base(), {
      method: 'POST',
      headers: { Authorization: `Bearer ${subscriber}`, 'Content-Type': FHIR_JSON, 'X-Purpose-Of-Use': 'COC' },
      body: JSON.stringify({
        resourceType: 'Subscription', status: 'requested', reason: 'x', criteria: TOPICS.received,
        _criteria: { extension: [{ url: `${BACKPORT}/backport-filter-criteria`, valueString: `patient.identifier=${token(kari)}` }] },
        channel: { type: 'rest-hook', endpoint: 'https://192.168.1.10/hook', payload: FHIR_JSON },
      }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).not.toContain('192.168.1.10');
  });
});
