import { randomUUID } from 'node:crypto';
import { buildMessage, fnr } from '@hub/testing';
import { eventually, HubHarness, startHub } from '../support/hub-harness';
import { TEST_KAFKA_BROKERS, TEST_NAMESPACE } from '../support/test-env';

/**
 * The foundation's promise, end to end against the real Kafka, schema registry and PostgreSQL:
 * an "Orientering om tjenestetilbud" 1.6 pushed by a gateway is answered with AppRec OK only
 * after Kafka has it, flows raw → normalizer → events → projector → PostgreSQL, and is read
 * back as FHIR EpisodeOfCare resources, one per service.
 */
describe('Orientering om tjenestetilbud, gateway to FHIR', () => {
  const kommune = { kommunenummer: '9901', navn: 'Testvik', herIds: ['8800001', '8800002'] };
  const sender = { organisation: [{ name: 'Testvik kommune', herId: '8800001' }, { name: 'Tildelingskontoret', herId: '8800002' }] };
  const receiver = { organisation: [{ name: 'Testvik legekontor', herId: '8800100' }] };
  let hub: HubHarness;

  beforeAll(async () => {
    hub = await startHub([kommune]);
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('answers AppRec OK and serves one EpisodeOfCare per service through FHIR search by POST', async () => {
    const patientFnr = fnr('1948-03-02', 217);
    const msgId = randomUUID();
    const body = buildMessage({
      kind: 'ORIENTERING_TJENESTETILBUD',
      version: '1.6',
      status: 'N',
      msgId,
      sender,
      receiver,
      patient: { familyName: 'Ås', givenName: 'Kåre', birthDate: '1948-03-02', sex: '1', fnr: patientFnr },
      services: [
        { iplosCode: '15', description: 'Dusj hver mandag', amount: '1', unit: 'timer hver uke', startDate: '2024-01-03' },
        { iplosCode: '5', amount: '0.5', unit: 'time hver dag', startDate: '2024-02-01' },
        { iplosCode: '6', amount: '1', unit: 'stk', startDate: '2023-06-01', endDate: '2024-03-01' },
      ],
    });
    const gateway = await hub.token({ client: 'gateway-testvik', scopes: ['messages:write'], kommuner: [kommune.kommunenummer] });
    const posted = await fetch(`${hub.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${gateway}`, 'Content-Type': 'application/xml' },
      body,
    });
    const appRec = await posted.text();
    expect(posted.status).toBe(202);
    expect(appRec).toContain('http://www.kith.no/xmlstds/apprec/2012-02-15');
    expect(appRec).toMatch(/<Status V="1"/);
    expect(appRec).toContain(msgId);

    const reader = await hub.token({ client: 'legevakt-epj', scopes: ['patients:read'], kommuner: [kommune.kommunenummer] });
    const search = () =>
      fetch(`${hub.baseUrl}/fhir/${kommune.kommunenummer}/EpisodeOfCare/_search`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${reader}`, 'Content-Type': 'application/x-www-form-urlencoded', 'X-Purpose-Of-Use': 'TREAT' },
        body: new URLSearchParams({ 'patient.identifier': `urn:oid:2.16.578.1.12.4.1.4.1|${patientFnr}` }).toString(),
      });
    const bundle = await eventually(async () => {
      const response = await search();
      expect(response.status).toBe(200);
      const json = (await response.json()) as { total: number; entry?: Array<{ resource: Record<string, any> }> };
      return json.total === 3 ? json : undefined;
    }, 60000);

    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 3 });
    const byCode = new Map(bundle.entry!.map((e) => [e.resource.type[0].coding[0].code, e.resource]));
    expect([...byCode.keys()].sort()).toEqual(['15', '5', '6']);
    for (const resource of byCode.values()) {
      expect(resource.resourceType).toBe('EpisodeOfCare');
      expect(resource.type[0].coding[0].system).toBe('urn:oid:2.16.578.1.12.4.1.1.9151');
      expect(resource.patient).toEqual({ identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: patientFnr } });
      expect(resource.meta.source).toBe(`urn:uuid:${msgId}`);
    }
    expect(byCode.get('15')!.period).toEqual({ start: '2024-01-03' });
    expect(byCode.get('15')!.status).toBe('active');
    expect(byCode.get('15')!.type[0].text).toBe('Dusj hver mandag');
    expect(byCode.get('6')!.status).toBe('finished');
    expect(byCode.get('6')!.period).toEqual({ start: '2023-06-01', end: '2024-03-01' });
  });

  it('keys the raw and event records by a pseudonym, never by the fødselsnummer', async () => {
    const { Kafka, logLevel } = await import('kafkajs');
    const kafka = new Kafka({ clientId: 'hltest-inspect', brokers: TEST_KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `${TEST_NAMESPACE}.inspect.${randomUUID()}` });
    await consumer.connect();
    const keys: string[] = [];
    try {
      await consumer.subscribe({ topics: [`${TEST_NAMESPACE}.kommune.${kommune.kommunenummer}.raw.v1`, `${TEST_NAMESPACE}.kommune.${kommune.kommunenummer}.events.v1`], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void keys.push(message.key?.toString() ?? '') });
      await eventually(async () => (keys.length >= 2 ? true : undefined), 20000);
    } finally {
      await consumer.disconnect();
    }
    for (const key of keys) {
      expect(key).not.toMatch(/\d{11}/);
      expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    }
  });
});
