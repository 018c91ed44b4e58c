import { BACKPORT, readSubscriptionRequest, SUBSCRIPTION_TOPICS, subscriptionResource, withStatus } from './subscription';

/**
 * What a client may ask for in a Subscription create (R4 Backport IG, STU 1.1), element by
 * element, with the exact answers the read API gives back as the OperationOutcome. Every refusal
 * must name the element, never echo the patient's identifier.
 */
const PATIENT = 'urn:oid:2.16.578.1.12.4.1.4.1|12034441284';
const filter = (valueString: unknown) => ({ url: BACKPORT.filterCriteria, valueString });
const body = (over: Record<string, unknown> = {}, channel: Record<string, unknown> = {}): Record<string, unknown> => ({
  resourceType: 'Subscription',
  status: 'requested',
  reason: 'Oppfølging',
  criteria: SUBSCRIPTION_TOPICS.patientRecordChanged,
  _criteria: { extension: [filter(`patient.identifier=${PATIENT}`)] },
  channel: { type: 'rest-hook', endpoint: 'https://epj.example.no/hook', payload: 'application/fhir+json', ...channel },
  ...over,
});

function refused(subscription: unknown): string {
  const { request, error } = readSubscriptionRequest(subscription);
  expect(request).toBeUndefined();
  expect(error).toBeDefined();
  expect(error).not.toContain('12034441284');
  return error!;
}

function accepted(subscription: unknown) {
  const { request, error } = readSubscriptionRequest(subscription);
  expect(error).toBeUndefined();
  return request!;
}

describe('readSubscriptionRequest: the resource', () => {
  it('the smallest valid create: defaults id-only, every type of the topic, no end, heartbeat or timeout', () => {
    expect(readSubscriptionRequest(body())).toStrictEqual({
      request: {
        topic: SUBSCRIPTION_TOPICS.patientRecordChanged,
        reason: 'Oppfølging',
        endpoint: 'https://epj.example.no/hook',
        filterCriteria: [`patient.identifier=${PATIENT}`],
        patientIdentifierToken: PATIENT,
        resourceTypes: [],
        content: 'id-only',
      },
    });
  });

  it('everything the hub honours, answered back as read', () => {
    const request = accepted(
      body(
        { id: 'client-chosen', meta: { versionId: '1' }, end: '2026-12-31T23:59:59.5+01:00', reason: '  Oppfølging etter utskriving  ' },
        {
          extension: [{ url: BACKPORT.heartbeatPeriod, valueUnsignedInt: 3600 }, { url: BACKPORT.timeout, valueUnsignedInt: 30 }],
          _payload: { extension: [{ url: BACKPORT.payloadContent, valueCode: 'empty' }] },
        },
      ),
    );
    expect(request).toStrictEqual({
      topic: SUBSCRIPTION_TOPICS.patientRecordChanged,
      reason: 'Oppfølging etter utskriving',
      endpoint: 'https://epj.example.no/hook',
      end: '2026-12-31T23:59:59.5+01:00',
      filterCriteria: [`patient.identifier=${PATIENT}`],
      patientIdentifierToken: PATIENT,
      resourceTypes: [],
      content: 'empty',
      heartbeatSeconds: 3600,
      timeoutSeconds: 30,
    });
  });

  it.each([[null], [[]], ['Subscription'], [42], [undefined]])('refuses a body that is not a resource (%p)', (value) => {
    expect(refused(value)).toBe('The body must be a Subscription resource');
  });

  it.each([[{}], [{ resourceType: 'Patient' }], [{ ...body(), resourceType: 'subscription' }]])('refuses another resource type (%p)', (value) => {
    expect(refused(value)).toBe('resourceType must be Subscription');
  });

  it('refuses an element it would not honour, naming its 1-based position, not its content', () => {
    const suffix = 'is not supported (no contained resources, extensions only those of the Backport IG the hub names)';
    expect(refused({ contained: [{ resourceType: 'Patient' }], ...body() })).toBe(`Element at position 1 ${suffix}`);
    expect(refused({ ...body(), extension: [] })).toBe(`Element at position 7 ${suffix}`);
    expect(refused({ ...body(), text: { status: 'generated' } })).toBe(`Element at position 7 ${suffix}`);
  });

  it('criteria: one of the hub\'s topics (R5-style canonical URLs), nothing else', () => {
    const message = `criteria must be the canonical URL of a topic the hub offers: ${SUBSCRIPTION_TOPICS.patientRecordChanged}, ${SUBSCRIPTION_TOPICS.messageReceived}`;
    expect(message).toBe(
      'criteria must be the canonical URL of a topic the hub offers: http://hendelseslager.example/fhir/SubscriptionTopic/patient-record-changed, http://hendelseslager.example/fhir/SubscriptionTopic/message-received',
    );
    for (const criteria of [undefined, 'Condition?patient.identifier=x', `${SUBSCRIPTION_TOPICS.messageReceived}/`, ['x']]) {
      expect(refused(body({ criteria }))).toBe(message);
    }
    expect(accepted(body({ criteria: SUBSCRIPTION_TOPICS.messageReceived })).topic).toBe(SUBSCRIPTION_TOPICS.messageReceived);
  });

  it('reason: required, not blank, at most 1000 characters; answered trimmed', () => {
    const message = 'reason is required (a string of at most 1000 characters)';
    for (const reason of [undefined, '', '   \n ', 7, 'x'.repeat(1001)]) expect(refused(body({ reason }))).toBe(message);
    expect(accepted(body({ reason: 'x'.repeat(1000) })).reason).toHaveLength(1000);
    expect(accepted(body({ reason: '\tOppfølging ' })).reason).toBe('Oppfølging');
  });

  it('end: optional, a FHIR instant (date, time to the second, zone)', () => {
    for (const end of ['2026-12-31', '2026-12-31T23:59Z', '2026-12-31T23:59:59', '2026-12-31 23:59:59Z', 'tomorrow', 1767225599000, null, '2026-13-01T00:00:00Z', '2026-12-32T00:00:00Z', '2026-12-31T24:00:00Z', '2026-12-31T23:60:00Z', '2026-12-31T23:59:59+15:00']) {
      expect([end, refused(body({ end }))]).toStrictEqual([end, 'end must be a FHIR instant']);
    }
    for (const end of ['2026-12-31T23:59:59Z', '2026-12-31T23:59:59.123-05:00', '2026-06-30T23:59:60Z', '2026-12-31T23:59:59+14:00']) {
      expect(accepted(body({ end })).end).toBe(end);
    }
    expect(accepted(body())).not.toHaveProperty('end');
  });

  it('ignores a client-given status: the hub decides it (requested on create)', () => {
    expect(accepted(body({ status: 'active' }))).not.toHaveProperty('status');
    expect(accepted(body({ status: undefined }))).toBeDefined();
  });
});

describe('readSubscriptionRequest: _criteria (backport-filter-criteria)', () => {
  it('the element may hold only a list of at most 20 backport-filter-criteria extensions', () => {
    for (const element of ['x', null, [filter(`patient.identifier=${PATIENT}`)]]) {
      expect([element, refused(body({ _criteria: element }))]).toStrictEqual([element, '_criteria: must be an element with extensions']);
    }
    expect(refused(body({ _criteria: { id: 'f', extension: [filter(`patient.identifier=${PATIENT}`)] } }))).toBe('_criteria: may only have extensions');
    expect(refused(body({ _criteria: { extension: [filter(`patient.identifier=${PATIENT}`)], modifierExtension: [] } }))).toBe('_criteria: may only have extensions');
    for (const element of [{}, { extension: filter(`patient.identifier=${PATIENT}`) }, { extension: Array.from({ length: 21 }, () => filter(`patient.identifier=${PATIENT}`)) }]) {
      expect(refused(body({ _criteria: element }))).toBe('_criteria: extension must be a list');
    }
    expect(accepted(body({ _criteria: { extension: Array.from({ length: 20 }, () => filter(`patient.identifier=${PATIENT}`)) } })).filterCriteria).toHaveLength(20);
    for (const extension of [null, 'x', { url: 'http://example.org/other', valueString: 'y' }, { valueString: `patient.identifier=${PATIENT}` }]) {
      expect([extension, refused(body({ _criteria: { extension: [filter(`patient.identifier=${PATIENT}`), extension] } }))]).toStrictEqual([
        extension,
        '_criteria: only the extensions backport-filter-criteria are supported here',
      ]);
    }
  });

  it('at least one filter, naming the patient', () => {
    const required = "A backport-filter-criteria naming the patient (patient.identifier=system|value) is required: notifications are reads of one patient's record";
    expect(refused(body({ _criteria: undefined }))).toBe(required);
    expect(refused(body({ _criteria: { extension: [] } }))).toBe(required);
  });

  it('each filter a valueString [Type?]patient.identifier=system|value of at most 512 characters', () => {
    const message = 'backport-filter-criteria must be a valueString [Type?]patient.identifier=system|value';
    const token = (length: number) => `urn:oid:2.16.578.1.12.4.1.4.1|${'1'.repeat(length - 'patient.identifier=urn:oid:2.16.578.1.12.4.1.4.1|'.length)}`;
    expect(`patient.identifier=${token(512)}`).toHaveLength(512);
    expect(accepted(body({ _criteria: { extension: [filter(`patient.identifier=${token(512)}`)] } })).patientIdentifierToken).toBe(token(512));
    for (const value of [
      `patient.identifier=${token(513)}`,
      'Condition?code=I50',
      `Condition?patient.identifier=${PATIENT}&code=I50`,
      `patient.identifier=`,
      `Condition/patient.identifier=${PATIENT}`,
      `?patient.identifier=${PATIENT}`,
      ` patient.identifier=${PATIENT}`,
      42,
      undefined,
    ]) {
      expect([value, refused(body({ _criteria: { extension: [filter(value)] } }))]).toStrictEqual([value, message]);
    }
    expect(refused(body({ _criteria: { extension: [{ url: BACKPORT.filterCriteria, valueCode: `patient.identifier=${PATIENT}` }] } }))).toBe(message);
  });

  it('reads a percent-encoded token decoded (a search URL\'s encoding), and refuses a malformed encoding instead of failing', () => {
    expect(accepted(body({ _criteria: { extension: [filter('patient.identifier=urn%3Aoid%3A2.16.578.1.12.4.1.4.1%7C12034441284')] } })).patientIdentifierToken).toBe(PATIENT);
    expect(refused(body({ _criteria: { extension: [filter('patient.identifier=urn:oid:2.16.578.1.12.4.1.4.1|%E0%A4%A')] } }))).toBe(
      'backport-filter-criteria must be a valueString [Type?]patient.identifier=system|value',
    );
  });

  it('all filters name the same patient (compared decoded)', () => {
    expect(refused(body({ _criteria: { extension: [filter(`patient.identifier=${PATIENT}`), filter('Condition?patient.identifier=urn:oid:2.16.578.1.12.4.1.4.1|01010112345')] } }))).toBe(
      'All filters of one Subscription must name the same patient',
    );
    expect(accepted(body({ _criteria: { extension: [filter(`patient.identifier=${PATIENT}`), filter(`Condition?patient.identifier=${encodeURIComponent(PATIENT)}`)] } })).patientIdentifierToken).toBe(PATIENT);
  });

  it('a type prefix narrows patient-record-changed to those types (sorted); an untyped filter means all of them', () => {
    const typed = (...types: string[]) => body({ _criteria: { extension: types.map((t) => filter(`${t}patient.identifier=${PATIENT}`)) } });
    expect(accepted(typed('Encounter?', 'Condition?', 'Encounter?')).resourceTypes).toStrictEqual(['Condition', 'Encounter']);
    expect(accepted(typed('EpisodeOfCare?')).resourceTypes).toStrictEqual(['EpisodeOfCare']);
    expect(accepted(typed('Condition?', '')).resourceTypes).toStrictEqual([]);
    expect(accepted(typed('', 'Condition?')).resourceTypes).toStrictEqual([]);
    const message = "A filter's resource type must be one of EpisodeOfCare, Condition, Encounter, and only on the topic patient-record-changed";
    for (const type of ['Patient?', 'condition?', 'Observation?']) expect([type, refused(typed(type))]).toStrictEqual([type, message]);
    expect(refused({ ...typed('Condition?'), criteria: SUBSCRIPTION_TOPICS.messageReceived })).toBe(message);
    expect(accepted({ ...typed(''), criteria: SUBSCRIPTION_TOPICS.messageReceived }).resourceTypes).toStrictEqual([]);
  });
});

describe('readSubscriptionRequest: channel', () => {
  it('is required: an object', () => {
    for (const channel of [undefined, null, 'rest-hook', [{ type: 'rest-hook' }]]) {
      expect([channel, refused(body({ channel }))]).toStrictEqual([channel, 'channel is required']);
    }
  });

  it('has only type, endpoint, payload and the Backport IG extensions: no headers (the hub would not send them)', () => {
    for (const extra of [{ header: ['Authorization: Bearer x'] }, { id: 'c' }, { _endpoint: {} }]) {
      expect(refused(body({}, extra))).toBe('channel may only have type, endpoint, payload and the Backport IG extensions (no headers)');
    }
  });

  it('type rest-hook only', () => {
    for (const type of [undefined, 'websocket', 'email', 'message', 'Rest-hook']) {
      expect([type, refused(body({}, { type }))]).toStrictEqual([type, 'channel.type must be rest-hook']);
    }
  });

  it('payload application/fhir+json only (R4: absent would mean no payload at all)', () => {
    for (const payload of [undefined, 'application/fhir+xml', 'application/json']) {
      expect([payload, refused(body({}, { payload }))]).toStrictEqual([payload, 'channel.payload must be application/fhir+json']);
    }
  });

  it('endpoint a string of at most 2048 characters (its URL policy is the caller\'s)', () => {
    const endpoint = (length: number) => `https://epj.example.no/${'h'.repeat(length - 'https://epj.example.no/'.length)}`;
    expect(accepted(body({}, { endpoint: endpoint(2048) })).endpoint).toBe(endpoint(2048));
    for (const value of [endpoint(2049), undefined, 42, { url: 'https://epj.example.no' }]) {
      expect(refused(body({}, { endpoint: value }))).toBe('channel.endpoint must be a URL');
    }
  });

  it('backport-payload-content on _payload: one of empty, id-only, full-resource; id-only when absent', () => {
    const content = (...codes: unknown[]) => body({}, { _payload: { extension: codes.map((valueCode) => ({ url: BACKPORT.payloadContent, valueCode })) } });
    for (const code of ['empty', 'id-only', 'full-resource']) expect(accepted(content(code)).content).toBe(code);
    expect(accepted(content()).content).toBe('id-only');
    const message = 'backport-payload-content must be one of empty, id-only, full-resource';
    for (const codes of [['all'], ['Full-resource'], [7], ['full-resource', 'empty'], ['id-only', 'id-only']]) {
      expect([codes, refused(content(...codes))]).toStrictEqual([codes, message]);
    }
    expect(refused(body({}, { _payload: { extension: [{ url: BACKPORT.payloadContent, valueString: 'full-resource' }] } }))).toBe(message);
    expect(refused(body({}, { _payload: 'full-resource' }))).toBe('channel._payload: must be an element with extensions');
    expect(refused(body({}, { _payload: { extension: [{ url: BACKPORT.heartbeatPeriod, valueUnsignedInt: 60 }] } }))).toBe(
      'channel._payload: only the extensions backport-payload-content are supported here',
    );
  });

  it('channel extensions: only backport-heartbeat-period and backport-timeout, in a list', () => {
    expect(refused(body({}, { extension: { url: BACKPORT.timeout, valueUnsignedInt: 5 } }))).toBe('channel.extension: extension must be a list');
    expect(refused(body({}, { extension: [{ url: BACKPORT.payloadContent, valueCode: 'empty' }] }))).toBe(
      'channel.extension: only the extensions backport-heartbeat-period, backport-timeout are supported here',
    );
  });

  it.each([
    ['backport-heartbeat-period', BACKPORT.heartbeatPeriod, 86_400, 'heartbeatSeconds'],
    ['backport-timeout', BACKPORT.timeout, 60, 'timeoutSeconds'],
  ] as const)('%s: one valueUnsignedInt from 1 to its maximum', (name, url, max, field) => {
    const withValues = (...values: unknown[]) => body({}, { extension: values.map((valueUnsignedInt) => ({ url, valueUnsignedInt })) });
    expect(accepted(withValues(1))[field]).toBe(1);
    expect(accepted(withValues(max))[field]).toBe(max);
    const message = `${name} must be one valueUnsignedInt from 1 to ${max}`;
    for (const values of [[0], [-1], [max + 1], [1.5], ['60'], [undefined], [5, 5]]) {
      expect([values, refused(withValues(...values))]).toStrictEqual([values, message]);
    }
    expect(accepted(body())).not.toHaveProperty(field);
  });
});

describe('subscriptionResource and withStatus', () => {
  const created = new Date('2026-02-01T10:00:00.000Z');
  const minimal = accepted(body());

  it('answers the stored Subscription in the Backport IG\'s R4 shape; heartbeat, timeout and end only when asked for', () => {
    expect(subscriptionResource('sub-1', minimal, created)).toStrictEqual({
      resourceType: 'Subscription',
      id: 'sub-1',
      meta: { lastUpdated: '2026-02-01T10:00:00.000Z' },
      status: 'requested',
      reason: 'Oppfølging',
      criteria: SUBSCRIPTION_TOPICS.patientRecordChanged,
      _criteria: { extension: [{ url: BACKPORT.filterCriteria, valueString: `patient.identifier=${PATIENT}` }] },
      channel: {
        type: 'rest-hook',
        endpoint: 'https://epj.example.no/hook',
        payload: 'application/fhir+json',
        _payload: { extension: [{ url: BACKPORT.payloadContent, valueCode: 'id-only' }] },
      },
    });
  });

  it('with end, heartbeat and timeout, and the status given', () => {
    const resource = subscriptionResource('sub-2', { ...minimal, end: '2026-12-31T23:59:59Z', heartbeatSeconds: 600 }, created, 'active') as Record<string, any>;
    expect([resource.status, resource.end]).toStrictEqual(['active', '2026-12-31T23:59:59Z']);
    expect(resource.channel.extension).toStrictEqual([{ url: BACKPORT.heartbeatPeriod, valueUnsignedInt: 600 }]);
    expect((subscriptionResource('sub-3', { ...minimal, timeoutSeconds: 10 }, created) as Record<string, any>).channel.extension).toStrictEqual([
      { url: BACKPORT.timeout, valueUnsignedInt: 10 },
    ]);
  });

  it('withStatus: the status, and Subscription.error only for the error status with a reason', () => {
    const stored = subscriptionResource('sub-1', minimal, created);
    expect(withStatus(stored, 'active', 'stale')).toStrictEqual({ ...stored, status: 'active' });
    expect(withStatus(stored, 'error', 'endpoint answered HTTP 503')).toStrictEqual({ ...stored, status: 'error', error: 'endpoint answered HTTP 503' });
    expect(withStatus(stored, 'error', null)).toStrictEqual({ ...stored, status: 'error' });
    expect(withStatus(stored, 'error', '')).toStrictEqual({ ...stored, status: 'error' });
    expect(withStatus(stored, 'off')).toStrictEqual({ ...stored, status: 'off' });
  });
});
