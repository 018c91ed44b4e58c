import { BACKPORT, readSubscriptionRequest, SUBSCRIPTION_TOPICS, subscriptionResource } from './subscription';
import { checkEndpoint, checkResolvedAddresses, isNonPublicAddress } from './subscription-endpoint';
import { notificationBundle, subscriptionStatusParameters } from './subscription-notification';

const PATIENT = 'urn:oid:2.16.578.1.12.4.1.4.1|12034441284';
const request = (over: Record<string, unknown> = {}, channel: Record<string, unknown> = {}) => ({
  resourceType: 'Subscription',
  status: 'requested',
  reason: 'Oppfølging',
  criteria: SUBSCRIPTION_TOPICS.patientRecordChanged,
  _criteria: { extension: [{ url: BACKPORT.filterCriteria, valueString: `Condition?patient.identifier=${PATIENT}` }] },
  channel: { type: 'rest-hook', endpoint: 'https://epj.example.no/hook', payload: 'application/fhir+json', ...channel },
  ...over,
});

describe('readSubscriptionRequest (R4 Backport IG)', () => {
  it('reads filters, payload content, heartbeat and timeout; id-only by default; answers them back unchanged', () => {
    const plain = readSubscriptionRequest(request());
    expect(plain.request).toMatchObject({ patientIdentifierToken: PATIENT, resourceTypes: ['Condition'], content: 'id-only', filterCriteria: [`Condition?patient.identifier=${PATIENT}`] });
    expect(plain.request!.heartbeatSeconds).toBeUndefined();
    const full = readSubscriptionRequest(
      request(
        { _criteria: { extension: [`Encounter?patient.identifier=${PATIENT}`, `EpisodeOfCare?patient.identifier=${PATIENT}`].map((valueString) => ({ url: BACKPORT.filterCriteria, valueString })) } },
        { extension: [{ url: BACKPORT.heartbeatPeriod, valueUnsignedInt: 60 }, { url: BACKPORT.timeout, valueUnsignedInt: 5 }], _payload: { extension: [{ url: BACKPORT.payloadContent, valueCode: 'full-resource' }] } },
      ),
    ).request!;
    expect(full).toMatchObject({ resourceTypes: ['Encounter', 'EpisodeOfCare'], content: 'full-resource', heartbeatSeconds: 60, timeoutSeconds: 5 });
    const answered = subscriptionResource('id-1', full, new Date('2026-01-01T00:00:00Z')) as Record<string, any>;
    expect(answered._criteria.extension.map((e: any) => e.valueString)).toEqual(full.filterCriteria);
    expect(answered.channel.extension).toEqual([{ url: BACKPORT.heartbeatPeriod, valueUnsignedInt: 60 }, { url: BACKPORT.timeout, valueUnsignedInt: 5 }]);
    expect(answered.channel._payload.extension[0].valueCode).toBe('full-resource');
    expect(answered.status).toBe('requested');
  });

  it('an untyped filter means every type of the topic; message-received takes no type', () => {
    expect(readSubscriptionRequest(request({ _criteria: { extension: [{ url: BACKPORT.filterCriteria, valueString: `patient.identifier=${PATIENT}` }] } })).request!.resourceTypes).toEqual([]);
    expect(readSubscriptionRequest(request({ criteria: SUBSCRIPTION_TOPICS.messageReceived })).error).toMatch(/only on the topic patient-record-changed/);
  });

  it.each([
    ['no filter', request({ _criteria: undefined }), /filter-criteria naming the patient/],
    ['a filter on something else', request({ _criteria: { extension: [{ url: BACKPORT.filterCriteria, valueString: 'Condition?code=I50' }] } }), /patient\.identifier/],
    ['another extension on _criteria', request({ _criteria: { extension: [{ url: 'http://example.org/x', valueString: 'y' }] } }), /only the extensions/],
    ['two patients', request({ _criteria: { extension: [PATIENT, 'urn:oid:2.16.578.1.12.4.1.4.1|01010112345'].map((p) => ({ url: BACKPORT.filterCriteria, valueString: `patient.identifier=${p}` })) } }), /same patient/],
    ['unknown content', request({}, { _payload: { extension: [{ url: BACKPORT.payloadContent, valueCode: 'all' }] } }), /payload-content/],
    ['heartbeat too long', request({}, { extension: [{ url: BACKPORT.heartbeatPeriod, valueUnsignedInt: 86401 }] }), /heartbeat-period/],
    ['timeout not an integer', request({}, { extension: [{ url: BACKPORT.timeout, valueUnsignedInt: 1.5 }] }), /timeout/],
    ['payload other than FHIR JSON', request({}, { payload: 'application/fhir+xml' }), /payload/],
    ['a contained resource', request({ contained: [] }), /not supported/],
  ])('refuses %s', (_label, body, message) => {
    const { request: read, error } = readSubscriptionRequest(body);
    expect(read).toBeUndefined();
    expect(error).toMatch(message);
    expect(error).not.toContain('12034441284');
  });
});

describe('endpoint policy (SSRF guard)', () => {
  const strict = { allowHttp: false, allowedHosts: [] };
  it('classifies private, loopback, link-local, mapped and public addresses', () => {
    for (const a of ['127.0.0.1', '10.2.3.4', '172.16.0.1', '172.31.255.255', '192.168.0.10', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not-an-ip']) {
      expect([a, isNonPublicAddress(a)]).toEqual([a, true]);
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '193.156.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8']) expect([a, isNonPublicAddress(a)]).toEqual([a, false]);
  });

  it('https to a public host; http only when allowed; private addresses and localhost only when allowed by name', () => {
    expect(checkEndpoint('https://epj.example.no/hook', strict).url?.hostname).toBe('epj.example.no');
    expect(checkEndpoint('http://epj.example.no/hook', strict).error).toMatch(/https/);
    expect(checkEndpoint('http://epj.example.no/hook', { allowHttp: true, allowedHosts: [] }).url).toBeDefined();
    expect(checkEndpoint('https://10.0.0.5/hook', strict).error).toMatch(/private or loopback/);
    expect(checkEndpoint('https://[::1]/hook', strict).error).toMatch(/private or loopback/);
    expect(checkEndpoint('https://localhost/hook', strict).error).toMatch(/loopback/);
    expect(checkEndpoint('https://u:p@epj.example.no/hook', strict).error).toMatch(/credentials/);
    expect(checkEndpoint('https://10.0.0.5/hook', { allowHttp: false, allowedHosts: ['10.0.0.5'] }).url).toBeDefined();
    expect(checkEndpoint('ftp://epj.example.no/', strict).error).toBeDefined();
    expect(checkEndpoint('not a url', strict).error).toBeDefined();
  });

  it('a name must resolve to public addresses only, unless allowed by name', () => {
    expect(checkResolvedAddresses('epj.example.no', ['193.156.0.1'], strict)).toBeUndefined();
    expect(checkResolvedAddresses('epj.example.no', ['193.156.0.1', '10.0.0.1'], strict)).toMatch(/private or loopback/);
    expect(checkResolvedAddresses('epj.example.no', [], strict)).toMatch(/did not resolve/);
    expect(checkResolvedAddresses('journal.kommune.local', ['10.0.0.1'], { allowHttp: false, allowedHosts: ['journal.kommune.local'] })).toBeUndefined();
  });
});

describe('notification Bundle and SubscriptionStatus', () => {
  const input = { base: 'https://hub.example/fhir/0301', subscriptionId: 's-1', topic: SUBSCRIPTION_TOPICS.messageReceived, status: 'active', type: 'event-notification' as const, eventsSinceSubscriptionStart: '12' };
  it('history Bundle, the SubscriptionStatus first (as a GET of $status), then the entries: with the resource for full-resource only', () => {
    const events = [{ eventNumber: '11', timestamp: '2026-01-01T00:00:00.000Z', focus: `${input.base}/Patient/p1`, additionalContext: [`${input.base}/Binary/m1`] }, { eventNumber: '12', timestamp: '2026-01-01T00:00:01.000Z' }];
    const bundle = notificationBundle({ ...input, events }, [{ reference: 'Patient/p1', resource: { resourceType: 'Patient', id: 'p1' } }, { reference: 'Condition/c1' }]) as Record<string, any>;
    expect(bundle.type).toBe('history');
    expect(bundle.entry[0]).toMatchObject({ request: { method: 'GET', url: 'Subscription/s-1/$status' }, response: { status: '200' }, resource: { resourceType: 'Parameters' } });
    expect(bundle.entry[0].fullUrl).toBe(`urn:uuid:${bundle.entry[0].resource.id}`);
    expect(bundle.entry.slice(1)).toEqual([
      { fullUrl: `${input.base}/Patient/p1`, resource: { resourceType: 'Patient', id: 'p1' }, request: { method: 'PUT', url: 'Patient/p1' }, response: { status: '200' } },
      { fullUrl: `${input.base}/Condition/c1`, request: { method: 'PUT', url: 'Condition/c1' }, response: { status: '200' } },
    ]);
    const parameters = bundle.entry[0].resource.parameter as any[];
    expect(parameters.map((p) => p.name)).toEqual(['subscription', 'topic', 'status', 'type', 'events-since-subscription-start', 'notification-event', 'notification-event']);
    expect(parameters[4]).toEqual({ name: 'events-since-subscription-start', valueString: '12' });
    expect(parameters[5].part).toEqual([
      { name: 'event-number', valueString: '11' },
      { name: 'timestamp', valueInstant: '2026-01-01T00:00:00.000Z' },
      { name: 'focus', valueReference: { reference: `${input.base}/Patient/p1` } },
      { name: 'additional-context', valueReference: { reference: `${input.base}/Binary/m1` } },
    ]);
    expect(parameters[6].part.map((p: any) => p.name)).toEqual(['event-number', 'timestamp']);
  });

  it('an error status names its reason', () => {
    const status = subscriptionStatusParameters({ ...input, status: 'error', type: 'query-status', error: 'endpoint answered HTTP 503' }) as Record<string, any>;
    expect(status.parameter.at(-1)).toEqual({ name: 'error', valueCodeableConcept: { text: 'endpoint answered HTTP 503' } });
  });
});
