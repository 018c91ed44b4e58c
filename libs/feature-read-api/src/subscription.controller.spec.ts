import { randomUUID } from 'node:crypto';
import type { HubConfig } from '@hub/config';
import type { FhirSubscriptionRepository, StoredSubscription } from '@hub/persistence';
import { fnr } from '@hub/testing';
import { ControllerHarness, PUBLIC_BASE_URL, startControllers } from '../../../test/support/controller-harness';
import { OriginalMessageService } from './original-message.service';
import { PatientReadService } from './patient-read.service';
import { ReadApiModule } from './read-api.module';
import { SubscriptionNotificationService } from './subscription-notification.service';
import { SubscriptionService } from './subscription.service';
import { WebSignInService } from './web-sign-in.service';
import { AuditWriter } from '@hub/platform';

const KNR = '0301';
const TOPIC = 'http://hendelseslager.example/fhir/SubscriptionTopic/patient-record-changed';
const FILTER_URL = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria';
const PATIENT = fnr('1944-04-04', 402);
const filter = (valueString: string) => ({ extension: [{ url: FILTER_URL, valueString }] });

/** The repository's contract (kommune and client scoped), in memory; the PostgreSQL one has its integration test. */
class MemorySubscriptions {
  readonly rows: StoredSubscription[] = [];
  async create(s: StoredSubscription) {
    this.rows.push(s);
  }
  async find(knr: string, client: string, id: string) {
    return this.rows.find((r) => r.kommunenummer === knr && r.clientId === client && r.id === id);
  }
  async list(knr: string, client: string) {
    return this.rows.filter((r) => r.kommunenummer === knr && r.clientId === client);
  }
  async setStatus(knr: string, client: string, id: string, status: string) {
    const row = await this.find(knr, client, id);
    if (row) Object.assign(row, { status, lastError: null });
    return Boolean(row);
  }
  async delete(knr: string, client: string, id: string) {
    const at = this.rows.findIndex((r) => r.kommunenummer === knr && r.clientId === client && r.id === id);
    if (at >= 0) this.rows.splice(at, 1);
    return at >= 0;
  }
}

/** FHIR Subscription create, read, search, delete at the HTTP edge (issue #14 part 2, first slice). */
describe('Subscription controller (HTTP edge)', () => {
  let hub: ControllerHarness;
  let subscriber: string;
  const store = new MemorySubscriptions();
  const valid = {
    resourceType: 'Subscription', status: 'requested', reason: 'Hjemmetjenesten', criteria: TOPIC, _criteria: filter(`Condition?patient.identifier=urn:oid:2.16.578.1.12.4.1.4.1|${PATIENT}`),
    channel: { type: 'rest-hook', endpoint: 'https://epj.example.no/hook', payload: 'application/fhir+json' },
  };
  const config = { publicBaseUrl: PUBLIC_BASE_URL, pseudonymKey: 'test-pseudonym-key-0123456789', notifier: { allowHttp: false, allowedHosts: ['journal.kommune.local'] } } as HubConfig;

  beforeAll(async () => {
    hub = await startControllers(ReadApiModule, [
      [PatientReadService, {}],
      [OriginalMessageService, {}],
      [AuditWriter, {}],
      [WebSignInService, {}],
      [SubscriptionNotificationService, {}],
      [SubscriptionService, new SubscriptionService(config, store as unknown as FhirSubscriptionRepository, {} as SubscriptionNotificationService)],
    ]);
    subscriber = await hub.token({ client: 'epj-a', scopes: ['subscriptions:write', 'patients:read'], kommuner: [KNR] });
  });
  afterAll(() => hub.close());

  const call = async (path: string, init: { method?: string; token?: string | null; body?: unknown; type?: string; purpose?: string | null } = {}) => {
    const token = init.token === undefined ? subscriber : init.token;
    const headers: Record<string, string> = {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(init.body !== undefined ? { 'Content-Type': init.type ?? 'application/fhir+json' } : {}),
      ...(init.purpose === null ? {} : { 'X-Purpose-Of-Use': init.purpose ?? 'TREAT' }),
    };
    const response = await fetch(`${hub.baseUrl}/fhir/${KNR}/Subscription${path}`, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers, body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as Record<string, any> };
  };

  it('create (201, Location), read, search and delete one own Subscription; requested until the handshake, with what delivery needs stored', async () => {
    const created = await call('', { body: valid, purpose: 'COC' });
    expect(created.status).toBe(201);
    const resource = created.json();
    expect(resource).toMatchObject({ resourceType: 'Subscription', status: 'requested', criteria: TOPIC, reason: 'Hjemmetjenesten', _criteria: valid._criteria, channel: { type: 'rest-hook', endpoint: 'https://epj.example.no/hook' } });
    expect(resource.channel._payload.extension).toEqual([{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content', valueCode: 'id-only' }]);
    expect(created.headers.get('location')).toBe(`${PUBLIC_BASE_URL}/fhir/${KNR}/Subscription/${resource.id}`);
    expect(store.rows.map((r) => [r.kommunenummer, r.clientId, r.topic])).toEqual([[KNR, 'epj-a', TOPIC]]);
    expect(store.rows[0].delivery).toMatchObject({ patientIdentifier: `urn:oid:2.16.578.1.12.4.1.4.1|${PATIENT}`, resourceTypes: ['Condition'], content: 'id-only', purposeOfUse: 'COC', endpoint: 'https://epj.example.no/hook' });
    expect(store.rows[0].delivery!.filterPseudonym).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await call(`/${resource.id}`)).json()).toEqual(resource);
    const bundle = (await call('')).json();
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    expect(bundle.entry[0].resource).toEqual(resource);
    expect((await call(`/${resource.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`/${resource.id}`)).status).toBe(404);
    expect((await call(`/${resource.id}`, { method: 'DELETE' })).status).toBe(404);
    expect(store.rows).toEqual([]);
  });

  it("another client neither sees nor deletes a client's Subscription (404, as if it did not exist)", async () => {
    const id = (await call('', { body: valid })).json().id as string;
    const other = await hub.token({ client: 'epj-b', scopes: ['subscriptions:write', 'patients:read'], kommuner: [KNR] });
    expect((await call(`/${id}`, { token: other })).status).toBe(404);
    expect((await call(`/${id}`, { token: other, method: 'DELETE' })).status).toBe(404);
    expect((await call('', { token: other })).json().total).toBe(0);
    expect((await call(`/${id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('401 without a token; 403 without subscriptions:write (patients:read is not enough) or for another kommune', async () => {
    expect((await call('', { token: null })).status).toBe(401);
    expect((await call('', { token: null, body: valid })).status).toBe(401);
    const reader = await hub.token({ client: 'epj-a', scopes: ['patients:read'], kommuner: [KNR] });
    expect((await call('', { token: reader, body: valid })).status).toBe(403);
    expect((await call('', { token: reader })).status).toBe(403);
    const elsewhere = await hub.token({ client: 'epj-a', scopes: ['subscriptions:write', 'patients:read'], kommuner: ['5001'] });
    expect((await call('', { token: elsewhere, body: valid })).status).toBe(403);
    expect(store.rows).toEqual([]);
  });

  it('403 without X-Purpose-Of-Use on create, or without patients:read beside subscriptions:write: every notification is a read audited with it', async () => {
    const r = await call('', { body: valid, purpose: null });
    expect(r.status).toBe(403);
    const subscribeOnly = await hub.token({ client: 'epj-a', scopes: ['subscriptions:write'], kommuner: [KNR] });
    const refused = await call('', { body: valid, token: subscribeOnly });
    expect([refused.status, refused.json().issue[0].code]).toEqual([403, 'forbidden']);
    expect((await call(`/${randomUUID()}/$events`, { token: subscribeOnly })).status).toBe(403);
    expect(store.rows).toEqual([]);
  });

  it('$status answers a searchset with the SubscriptionStatus (query-status, events counted); unknown operations 400', async () => {
    const id = (await call('', { body: valid })).json().id as string;
    store.rows[0].status = 'error';
    store.rows[0].lastError = 'endpoint answered HTTP 503';
    store.rows[0].eventsSinceStart = '7';
    const status = (await call(`/${id}/$status`)).json();
    expect(status).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    const parameters = Object.fromEntries(status.entry[0].resource.parameter.map((p: any) => [p.name, p.valueCode ?? p.valueString ?? p.valueCanonical ?? p.valueReference?.reference ?? p.valueCodeableConcept?.text]));
    expect(parameters).toEqual({ subscription: `${PUBLIC_BASE_URL}/fhir/${KNR}/Subscription/${id}`, topic: TOPIC, status: 'error', type: 'query-status', 'events-since-subscription-start': '7', error: 'endpoint answered HTTP 503' });
    expect((await call(`/${id}`)).json()).toMatchObject({ status: 'error', error: 'endpoint answered HTTP 503' });
    expect((await call(`/${id}/$everything`)).status).toBe(400);
    expect((await call(`/${id}/$events?eventsSinceNumber=0`)).status).toBe(400);
    expect((await call(`/${id}/$events?content=all`)).status).toBe(400);
    expect((await call(`/${id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('update changes only the status, to requested (start again) or off; anything else 400; another client 404', async () => {
    const created = (await call('', { body: valid })).json();
    store.rows.at(-1)!.status = 'error';
    store.rows.at(-1)!.lastError = 'endpoint answered HTTP 503';
    const asRead = (await call(`/${created.id}`)).json();
    expect(asRead).toMatchObject({ status: 'error', error: 'endpoint answered HTTP 503' });
    const restarted = await call(`/${created.id}`, { method: 'PUT', body: { ...asRead, status: 'requested' } });
    expect([restarted.status, restarted.json().status, restarted.json().error]).toEqual([200, 'requested', undefined]);
    expect(store.rows.at(-1)!.status).toBe('requested');
    for (const body of [{ ...asRead, status: 'active' }, { ...asRead, status: 'requested', reason: 'annet' }, { ...asRead, status: 'requested', id: randomUUID() }, { ...asRead, status: 'requested', channel: { ...asRead.channel, endpoint: 'https://annen.example.no/hook' } }]) {
      expect((await call(`/${created.id}`, { method: 'PUT', body })).status).toBe(400);
    }
    expect(store.rows.at(-1)!.status).toBe('requested');
    const other = await hub.token({ client: 'epj-b', scopes: ['subscriptions:write', 'patients:read'], kommuner: [KNR] });
    expect((await call(`/${created.id}`, { method: 'PUT', token: other, body: { ...asRead, status: 'off' } })).status).toBe(404);
    expect((await call(`/${created.id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('400 OperationOutcome for what the hub would not honour, never repeating the value; 415 for a non-JSON body', async () => {
    const refused: Array<[string, unknown]> = [
      ['not a Subscription', { ...valid, resourceType: 'Patient' }],
      ['unknown topic', { ...valid, criteria: 'Encounter?patient.identifier=urn:oid:2.16.578.1.12.4.1.4.1|01010112345' }],
      ['a filter that names no patient', { ...valid, _criteria: filter('Condition?code=x') }],
      ['no filter: notifications are reads of one patient', { ...valid, _criteria: undefined }],
      ['a filter on a type the topic has not', { ...valid, _criteria: filter(`Observation?patient.identifier=urn:oid:2.16.578.1.12.4.1.4.1|${PATIENT}`) }],
      ['two patients', { ...valid, _criteria: { extension: [...filter(`patient.identifier=urn:oid:2.16.578.1.12.4.1.4.1|${PATIENT}`).extension, ...filter('patient.identifier=urn:oid:2.16.578.1.12.4.1.4.1|01010112345').extension] } }],
      ['an invalid fødselsnummer', { ...valid, _criteria: filter('patient.identifier=urn:oid:2.16.578.1.12.4.1.4.1|01010112345') }],
      ['an unknown payload content', { ...valid, channel: { ...valid.channel, _payload: { extension: [{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content', valueCode: 'everything' }] } } }],
      ['a heartbeat of 0', { ...valid, channel: { ...valid.channel, extension: [{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-heartbeat-period', valueUnsignedInt: 0 }] } }],
      ['loopback (SSRF guard)', { ...valid, channel: { ...valid.channel, endpoint: 'https://127.0.0.1/hook' } }],
      ['a private address (SSRF guard)', { ...valid, channel: { ...valid.channel, endpoint: 'https://10.1.2.3/hook' } }],
      ['localhost (SSRF guard)', { ...valid, channel: { ...valid.channel, endpoint: 'https://localhost:8443/hook' } }],
      ['channel headers', { ...valid, channel: { ...valid.channel, header: ['Authorization: Bearer secret-123'] } }],
      ['websocket', { ...valid, channel: { ...valid.channel, type: 'websocket' } }],
      ['plain http (not allowed by this configuration)', { ...valid, channel: { ...valid.channel, endpoint: 'http://epj.example.no/hook' } }],
      ['credentials in the endpoint', { ...valid, channel: { ...valid.channel, endpoint: 'https://u:p@epj.example.no/hook' } }],
      ['no reason', { ...valid, reason: '' }],
      ['bad end', { ...valid, end: 'tomorrow' }],
      ['an array', [valid]],
    ];
    for (const [label, body] of refused) {
      const r = await call('', { body });
      expect([label, r.status, r.json().resourceType, r.json().issue?.[0]?.code]).toEqual([label, 400, 'OperationOutcome', 'invalid']);
      expect(r.text).not.toMatch(new RegExp(`01010112345|${PATIENT}|secret-123|epj\\.example\\.no|10\\.1\\.2\\.3`));
    }
    expect((await call('', { body: 'criteria=x', type: 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await call('/not-an-id')).status).toBe(400);
    expect((await call('?status=active')).status).toBe(400);
    expect(store.rows).toEqual([]);
  });
});
