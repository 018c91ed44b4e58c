/**
 * Live processing and replay write the same events: every example message of ../shared/corpus
 * (never copied into the project) goes through the normalizer's batch handler and through the
 * mapping replay and redrive use (libs/normalization `mapRawRecord`), and the records must be
 * the same to the byte (key, value, headers; replay adds only its run header).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HubConfig } from '@hub/config';
import { AvroCodec, TopicNames, uuidV5 } from '@hub/contracts';
import type { IncomingRecord, KafkaPort, OutgoingRecord } from '@hub/kafka';
import { currentMapping, mapRawRecord } from '@hub/normalization';
import { HubMetrics } from '@hub/observability';
import type { SharedProducer } from '@hub/platform';
import { rawMessageRecord } from '@hub/testing';
import { NormalizerService } from './normalizer.service';

const CORPUS = path.resolve(__dirname, '../../../../shared/corpus');
const corpusPresent = fs.existsSync(path.join(CORPUS, 'plo'));
if (!corpusPresent) {
  console.warn(`Live-versus-replay over the corpus skipped: ${CORPUS} is absent (CI always has ../shared/corpus).`);
}
const KNR = '3428';
const PSEUDONYM_KEY = 'test-pseudonym-key-0123456789';

function exampleFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'xsd' ? [] : exampleFiles(full);
    return entry.name.endsWith('.xml') ? [full] : [];
  });
}

const TOPICS = new TopicNames('unit');

/** A codec with the registry's contract (encode by topic, decode any) and stable bytes, without a registry. */
const codec = {
  encode: async (topic: string, value: unknown) => Buffer.from(JSON.stringify({ topic, value }, (_k, v) => (v?.type === 'Buffer' ? { base64: Buffer.from(v.data).toString('base64') } : v))),
  decode: async (bytes: Buffer) => {
    const { value } = JSON.parse(bytes.toString(), (_k, v) => (v && typeof v.base64 === 'string' ? Buffer.from(v.base64, 'base64') : v)) as { value: unknown };
    return value;
  },
} as unknown as AvroCodec;

async function rawRecord(file: string, offset: number): Promise<IncomingRecord> {
  const payload = fs.readFileSync(file);
  const name = path.relative(CORPUS, file);
  const raw = rawMessageRecord(payload, {
    hubMessageId: uuidV5(`corpus|${name}`),
    kommunenummer: KNR,
    receivedAt: 1765000000000 + offset,
    gatewayClient: 'corpus-gateway',
    msgId: uuidV5(`corpus-msg|${name}`),
  });
  return { topic: TOPICS.raw(KNR), partition: 0, offset: String(offset), key: `k${offset}`, value: await codec.encode(TOPICS.raw(KNR), raw), headers: {}, timestamp: String(1765000000000 + offset) };
}

(corpusPresent ? describe : describe.skip)('normalizer: live processing equals replay over the whole corpus', () => {
  const files = corpusPresent ? exampleFiles(CORPUS).sort() : [];

  it('reads every example message of the corpus', () => {
    expect(files.length).toBeGreaterThanOrEqual(50);
  });

  it('writes byte-identical events and dead letters live and in a replay', async () => {
    const sent: Array<{ topic: string; records: OutgoingRecord[] }> = [];
    const producer = { sendMany: async (batches: typeof sent) => void sent.push(...batches) } as unknown as SharedProducer;
    const config = { pseudonymKey: PSEUDONYM_KEY } as HubConfig;
    const normalizer = new NormalizerService(config, {} as KafkaPort, codec, producer, new HubMetrics(), TOPICS);
    const records = await Promise.all(files.map((file, i) => rawRecord(file, i)));
    await normalizer.handleBatch({ topic: TOPICS.raw(KNR), partition: 0, records, heartbeat: async () => undefined, isStale: () => false });

    expect(sent).toHaveLength(files.length);
    const kinds = { event: 0, 'dead-letter': 0 };
    for (const [i, record] of records.entries()) {
      const replayed = await mapRawRecord(codec, TOPICS, record, KNR, currentMapping, PSEUDONYM_KEY, { 'hub-replay-run': 'run-1' });
      kinds[replayed.kind] += 1;
      const live = sent[i];
      expect({ file: files[i], topic: live.topic }).toEqual({ file: files[i], topic: replayed.topic });
      expect(live.records).toHaveLength(1);
      expect(live.records[0].key).toBe(replayed.record.key);
      expect(live.records[0].value.equals(replayed.record.value)).toBe(true);
      const { 'hub-replay-run': run, ...replayHeaders } = replayed.record.headers ?? {};
      expect(replayed.kind === 'event' ? run : 'run-1').toBe('run-1');
      expect(live.records[0].headers).toEqual(replayed.kind === 'event' ? replayHeaders : replayed.record.headers);
    }
    // The corpus has messages the hub maps and ones it cannot (ebXML envelopes): both paths are compared.
    expect(kinds.event).toBeGreaterThan(30);
    expect(kinds['dead-letter']).toBeGreaterThan(0);
  });
});
