import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { parse } from 'yaml';
import type { HubHarness, TestKommune } from '../support/hub-harness';
import { eventually } from '../support/hub-harness';
import { TEST_KAFKA_BROKERS, TEST_NAMESPACE } from '../support/test-env';

/**
 * Shared helpers of the intake / normalizer / corpus end-to-end tests (issue #3): the demo
 * directory as test kommuner, posting a message, reading AppRecs and the patient overview, and
 * reading a test topic back.
 */

const ROOT = resolve(__dirname, '../..');

/** The kommuner of config/directory.demo.yaml, which covers every party of the corpus and the builder. */
export function demoKommuner(): TestKommune[] {
  const doc = parse(readFileSync(resolve(ROOT, 'config/directory.demo.yaml'), 'utf8')) as { kommuner: Array<{ kommunenummer: string; navn: string; herIds: Array<string | number> }> };
  return doc.kommuner.map((k) => ({ kommunenummer: String(k.kommunenummer), navn: k.navn, herIds: k.herIds.map(String) }));
}

export interface Posted {
  status: number;
  body: string;
  headers: Headers;
}

export async function postMessage(hub: HubHarness | string, token: string, body: Buffer | string, contentType = 'application/xml'): Promise<Posted> {
  const base = typeof hub === 'string' ? hub : hub.baseUrl;
  const response = await fetch(`${base}/v1/messages`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType },
    body,
    signal: AbortSignal.timeout(60000),
  });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/**
 * Fails with what the hub said when intake did not accept a message: the status, the answer (a
 * problem document or an AppRec, test data only) and the hub's last warnings and errors, so a
 * refusal seen once in CI can be read from its log.
 */
export function expectAccepted(hub: HubHarness, posted: Posted): void {
  if (posted.status === 200 || posted.status === 202) return;
  const warnings = hub.logs.filter((line) => /"level":"(warn|error|fatal)"/.test(line)).slice(-5);
  throw new Error([`intake answered ${posted.status}: ${posted.body.slice(0, 600)}`, `WWW-Authenticate: ${posted.headers.get('www-authenticate') ?? '-'}`, ...warnings].join('\n'));
}

export interface AppRecSummary {
  version: '1.0' | '1.1' | undefined;
  /** 8258: 1 OK, 2 Avvist. */
  status: string | undefined;
  /** 8221 error codes. */
  errors: string[];
  originalMsgId: string | undefined;
}

/** What a test needs from an AppRec, read with patterns so the assertion does not depend on the parser under test. */
export function readAppRec(xml: string): AppRecSummary {
  const version = xml.includes('http://www.kith.no/xmlstds/apprec/2012-02-15') ? '1.1' : xml.includes('http://www.kith.no/xmlstds/apprec/2004-11-21') ? '1.0' : undefined;
  const status = /<(?:\w+:)?Status\b[^>]*\bV="(\d)"/.exec(xml)?.[1];
  const errors = [...xml.matchAll(/<(?:\w+:)?Error\b[^>]*\bV="([A-Z0-9]+)"/g)].map((m) => m[1]);
  const original = /<(?:\w+:)?OriginalMsgId>[\s\S]*?<(?:\w+:)?Id>([^<]*)</.exec(xml)?.[1];
  return { version, status, errors, originalMsgId: original };
}

export interface OverviewSource {
  msgId: string;
  msgType: string;
}
export interface Overview {
  found: boolean;
  patient: { familyName: string | null; givenName: string | null } | null;
  deceased: { time: string | null; source: OverviewSource } | null;
  services: Array<{ iplosCode: string | null; description: string | null; status: string; startDate: string | null; sources: OverviewSource[] }>;
  serviceNeeds: Array<{ iplosCode: string | null; retracted: boolean; source: OverviewSource }>;
  diagnoses: Array<{ code: string | null; codeSystem: string | null; text: string | null; isMain: string; retracted: boolean; sources: OverviewSource[] }>;
  timeline: Array<{ kind: string; time: string | null; retracted: boolean; source: OverviewSource }>;
  messages: Array<{ msgId: string; msgType: string; status: string | null; documentState: string | null; projected: boolean }>;
}

export async function readOverview(hub: HubHarness, token: string, knr: string, identifier: string, identifierType = 'FNR'): Promise<Overview> {
  const response = await fetch(`${hub.baseUrl}/api/v1/kommuner/${knr}/patient-overview`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'X-Purpose-Of-Use': 'TREAT' },
    body: JSON.stringify({ identifierType, identifier }),
  });
  if (response.status !== 200) throw new Error(`patient-overview answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Overview;
}

/** Live (not cancelled / retracted) facts a given message contributed, as sorted code lists. */
export function liveFactsOf(ov: Overview, msgId: string): { services: string[]; diagnoses: string[]; events: string[]; needs: number } {
  return {
    services: ov.services.filter((s) => s.status !== 'cancelled' && s.sources.some((x) => x.msgId === msgId)).map((s) => s.iplosCode ?? `text:${s.description}`).sort(),
    diagnoses: ov.diagnoses.filter((d) => !d.retracted && d.sources.some((x) => x.msgId === msgId)).map((d) => d.code ?? `text:${d.text}`).sort(),
    // The timeline also lists every received message (MESSAGE_RECEIVED); only clinical events count here.
    events: ov.timeline.filter((e) => !e.retracted && e.source.msgId === msgId && e.kind !== 'MESSAGE_RECEIVED').map((e) => e.kind).sort(),
    needs: ov.serviceNeeds.filter((n) => !n.retracted && n.source.msgId === msgId).length,
  };
}

/** Whether any live fact still comes from one of these messages. */
export function hasLiveFactsFrom(ov: Overview, msgIds: string[]): boolean {
  return msgIds.some((id) => {
    const f = liveFactsOf(ov, id);
    return f.services.length + f.diagnoses.length + f.events.length + f.needs > 0;
  });
}

export interface TopicRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Reads a whole topic from the beginning until `done` says enough (or the timeout passes). */
export async function readTopic(topic: string, done: (records: TopicRecord[]) => boolean, timeoutMs = 30000): Promise<TopicRecord[]> {
  const kafka = new Kafka({ clientId: 'hltest-intake-inspect', brokers: TEST_KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${TEST_NAMESPACE}.inspect.${randomUUID()}` });
  const records: TopicRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = Buffer.isBuffer(v) ? v.toString() : String(v);
        records.push({ partition, offset: message.offset, key: message.key, value: message.value, headers });
      },
    });
    await eventually(async () => (done(records) ? true : undefined), timeoutMs, 200).catch(() => undefined);
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Every topic of the test namespace currently holding records, with its end offsets summed. */
export async function topicRecordCount(topic: string): Promise<number> {
  const kafka = new Kafka({ clientId: 'hltest-intake-offsets', brokers: TEST_KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}

export const ALL_DEMO_KOMMUNER = () => demoKommuner().map((k) => k.kommunenummer);
