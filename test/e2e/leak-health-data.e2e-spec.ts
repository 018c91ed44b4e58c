import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { buildMessage, fnr } from '@hub/testing';
import { eventually, HubHarness, startHub } from '../support/hub-harness';
import { TEST_KAFKA_BROKERS } from '../support/test-env';
import { ALL_DEMO_KOMMUNER, demoKommuner } from './intake-support';

/**
 * Issue 5, "no health data where it does not belong": every corpus message and a set of
 * builder messages is posted and read back (FHIR, JSON, original message, also with invalid
 * identifiers to provoke error answers). Then every log line the hub wrote, the /metrics
 * output, every Kafka record key of the test namespace and every error response body must be
 * free of any fødselsnummer/D-nummer (any 11-digit number) and of any patient name used.
 */
const CORPUS = resolve(__dirname, '../../../shared/corpus');
const corpusPresent = existsSync(join(CORPUS, 'plo'));
if (!corpusPresent) {
  console.warn(`Leak test runs on builder messages only: ${CORPUS} is absent.`);
}

// Standalone 11 digits (as a fødselsnummer is written), not a run inside a UUID or hex string.
const ELEVEN_DIGITS = /(?<![0-9A-Za-z])\d{11}(?![0-9A-Za-z])/g;

function corpusFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return /xsd|ebxml/i.test(name) ? [] : corpusFiles(path);
    return name.endsWith('.xml') ? [path] : [];
  });
}

function decode(bytes: Buffer): string {
  return /encoding="(iso-8859-1|windows-1252)"/i.test(bytes.subarray(0, 200).toString('latin1')) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** Names inside the <Patient> elements of a message (family, given, middle). */
function patientNames(xml: string): string[] {
  const names: string[] = [];
  for (const block of xml.match(/<(?:\w+:)?Patient\b[\s\S]*?<\/(?:\w+:)?Patient>/g) ?? []) {
    for (const m of block.matchAll(/<(?:\w+:)?(?:FamilyName|GivenName|MiddleName)>([^<]+)</g)) names.push(...m[1].split(/\s+/));
  }
  return names.filter((n) => n.length >= 3);
}

describe('No health data in logs, metrics, Kafka keys or error answers', () => {
  let hub: HubHarness;
  const identifiers = new Set<string>();
  const names = new Set<string>();
  const errorBodies: string[] = [];
  const builderPatients = Array.from({ length: 4 }, (_, i) => ({ fnr: fnr(`19${40 + i}-0${i + 1}-1${i}`, 100 + i), family: `Lekkasjesen${'abcd'[i]}`, given: `Personvern${'abcd'[i]}` }));

  beforeAll(async () => {
    // Its own database and namespace: posting the whole corpus (with its cancellations) into the
    // kommuner the corpus conformance test reads would change what that test observes.
    hub = await startHub(demoKommuner(), {}, { isolated: 'leak' });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('posts the corpus and builder messages, reads them back, and finds no identifier or patient name anywhere it must not be', async () => {
    const kommuner = ALL_DEMO_KOMMUNER();
    const gateway = await hub.token({ client: 'gateway-leak', scopes: ['messages:write'], kommuner });
    const reader = await hub.token({ client: 'reader-leak', scopes: ['patients:read'], kommuner });
    const messages: Buffer[] = corpusPresent ? corpusFiles(CORPUS).map((f) => readFileSync(f)) : [];
    for (const bytes of messages) {
      const xml = decode(bytes);
      for (const id of xml.match(ELEVEN_DIGITS) ?? []) identifiers.add(id);
      for (const name of patientNames(xml)) names.add(name);
    }
    const demo = demoKommuners()[0];
    for (const p of builderPatients) {
      identifiers.add(p.fnr);
      names.add(p.family);
      names.add(p.given);
      messages.push(
        buildMessage({
          kind: 'ORIENTERING_TJENESTETILBUD',
          version: '1.6',
          status: 'N',
          msgId: randomUUID(),
          sender: { organisation: [{ name: `${demo.navn} kommune`, herId: demo.herIds[0] }] },
          receiver: { organisation: [{ name: 'Legekontoret', herId: '8810100' }] },
          patient: { familyName: p.family, givenName: p.given, birthDate: '1940-01-10', sex: '2', fnr: p.fnr },
          services: [{ iplosCode: '15', description: 'Praktisk bistand', amount: '1', unit: 'timer hver uke', startDate: '2024-01-03' }],
        }),
      );
    }
    // A message whose patient id fails its checksum: the 422 answer must not echo it.
    const badId = `${builderPatients[0].fnr.slice(0, 10)}${(Number(builderPatients[0].fnr[10]) + 1) % 10}`;
    identifiers.add(badId);
    messages.push(Buffer.from(decode(messages.at(-1)!).replaceAll(builderPatients[3].fnr, badId)));

    for (const body of messages) {
      const response = await fetch(`${hub.baseUrl}/v1/messages`, { method: 'POST', headers: { Authorization: `Bearer ${gateway}`, 'Content-Type': 'application/xml' }, body });
      const text = await response.text();
      if (response.status >= 400) errorBodies.push(text);
    }
    const read = async (knr: string, id: string) => {
      const overview = await fetch(`${hub.baseUrl}/api/v1/kommuner/${knr}/patient-overview`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${reader}`, 'Content-Type': 'application/json', 'X-Purpose-Of-Use': 'TREAT' },
        body: JSON.stringify({ identifierType: Number(id[0]) >= 4 ? 'DNR' : 'FNR', identifier: id }),
      });
      const fhir = await fetch(`${hub.baseUrl}/fhir/${knr}/EpisodeOfCare/_search`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${reader}`, 'Content-Type': 'application/x-www-form-urlencoded', 'X-Purpose-Of-Use': 'TREAT' },
        body: new URLSearchParams({ 'patient.identifier': `urn:oid:2.16.578.1.12.4.1.4.1|${id}` }).toString(),
      });
      const texts: string[] = [];
      for (const r of [overview, fhir]) {
        const text = await r.text();
        texts.push(text);
        if (r.status >= 400) errorBodies.push(text);
      }
      return texts[0];
    };
    // The builder's patients are projected: then the corpus, posted before them, has been too.
    await eventually(async () => {
      const overview = JSON.parse(await read(demo.kommunenummer, builderPatients[2].fnr)) as { found?: boolean };
      return overview.found || undefined;
    }, 90000);
    for (const knr of kommuner) for (const id of identifiers) await read(knr, id);
    // Error paths with identifiers: wrong purpose, bad identifier, a kommune not in the token.
    const outsider = await hub.token({ client: 'outsider', scopes: ['patients:read'], kommuner: ['9999'] });
    for (const [token, purpose, knr] of [[reader, 'NOPE', kommuner[0]], [outsider, 'TREAT', kommuner[0]]] as const) {
      const r = await fetch(`${hub.baseUrl}/api/v1/kommuner/${knr}/patient-overview`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'X-Purpose-Of-Use': purpose },
        body: JSON.stringify({ identifierType: 'FNR', identifier: badId }),
      });
      expect(r.status).toBeGreaterThanOrEqual(400);
      errorBodies.push(await r.text());
    }
    await new Promise((r) => setTimeout(r, 3000));

    const metricsToken = await hub.token({ client: 'prometheus', scopes: ['metrics:read'], kommuner: [] });
    const metrics = await (await fetch(`${hub.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${metricsToken}` } })).text();
    const keys = await kafkaKeys(hub.namespace);
    const logs = hub.logs.join('\n');
    expect(identifiers.size).toBeGreaterThan(5);
    expect(names.size).toBeGreaterThan(5);
    expect(hub.logs.length).toBeGreaterThan(20);
    expect(errorBodies.length).toBeGreaterThan(0);
    expect(keys.length).toBeGreaterThan(messages.length / 2);

    // Metric values may be large numbers (bytes); identifiers would show in the label sets.
    const metricLabels = metrics.split('\n').map((line) => /\{[^}]*\}/.exec(line)?.[0] ?? '').join('\n');
    const leaks = (where: string, text: string, anyElevenDigits = text) => [
      ...[...identifiers].filter((id) => new RegExp(`(?<![0-9A-Za-z])${id}(?![0-9A-Za-z])`).test(text)).map((id) => `${where}: identifier ending ${id.slice(-2)}`),
      ...(anyElevenDigits.match(ELEVEN_DIGITS) ?? []).map((d) => `${where}: 11-digit number ending ${d.slice(-2)}`),
      ...[...names].filter((n) => new RegExp(`(?<![\\p{L}])${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}])`, 'u').test(text)).map((n) => `${where}: name ${n[0]}…`),
    ];
    expect([...leaks('logs', logs), ...leaks('metrics', metrics, metricLabels), ...leaks('kafka keys', keys.join('\n')), ...leaks('error answers', errorBodies.join('\n'))]).toEqual([]);
  });
});

function demoKommuners() {
  return demoKommuner();
}

/** Every record key on every topic of this test namespace. */
async function kafkaKeys(namespace: string): Promise<string[]> {
  const kafka = new Kafka({ clientId: 'hltest-leak', brokers: TEST_KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${namespace}.kommune.`));
  const offsets = await Promise.all(topics.map(async (t) => ({ topic: t, total: (await admin.fetchTopicOffsets(t)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0) })));
  await admin.disconnect();
  const expected = offsets.reduce((n, o) => n + o.total, 0);
  const consumer = kafka.consumer({ groupId: `${namespace}.leak.${randomUUID()}` });
  await consumer.connect();
  const keys: string[] = [];
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void keys.push(message.key?.toString('utf8') ?? '') });
    await eventually(async () => (keys.length >= expected ? true : undefined), 30000);
  } finally {
    await consumer.disconnect();
  }
  return keys;
}
