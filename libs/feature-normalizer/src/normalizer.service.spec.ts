import type { HubConfig } from '@hub/config';
import { AvroCodec, TopicNames } from '@hub/contracts';
import type { BatchContext, IncomingRecord, KafkaPort, OutgoingRecord } from '@hub/kafka';
import { HubMetrics } from '@hub/observability';
import type { SharedProducer } from '@hub/platform';
import { buildMessage, rawMessageRecord } from '@hub/testing';
import { NormalizerService } from './normalizer.service';

const TOPICS = new TopicNames('unit');
const KNR = '3428';

/** A codec without a registry: JSON with Buffers kept (the registry is not what this spec is about). */
const codec = {
  encode: async (_topic: string, value: unknown) => Buffer.from(JSON.stringify(value, (_k, v) => (v?.type === 'Buffer' ? { base64: Buffer.from(v.data).toString('base64') } : v))),
  decode: async (bytes: Buffer) => JSON.parse(bytes.toString(), (_k, v) => (v && typeof v.base64 === 'string' ? Buffer.from(v.base64, 'base64') : v)) as unknown,
} as unknown as AvroCodec;

async function raw(offset: number, payload: Buffer, receivedAt: number): Promise<IncomingRecord> {
  const record = rawMessageRecord(payload, { hubMessageId: `hub-${offset}`, kommunenummer: KNR, msgId: `msg-${offset}`, receivedAt });
  return { topic: TOPICS.raw(KNR), partition: 0, offset: String(offset), key: `k${offset}`, value: await codec.encode(TOPICS.raw(KNR), record), headers: {}, timestamp: String(receivedAt) };
}

/**
 * The normalizer's `normalized` pipeline delay: observed once Kafka has acknowledged a batch's
 * events, one per event (dead letters are not the read model's), from each message's receipt.
 */
describe('NormalizerService pipeline delay', () => {
  const message = () => buildMessage({ kind: 'INNLEGGELSESRAPPORT', version: '1.6' });
  let metrics: HubMetrics;
  let acknowledge: (batches: Array<{ topic: string; records: OutgoingRecord[] }>) => Promise<void>;
  let normalizer: NormalizerService;
  const batch = (records: IncomingRecord[], stale = false): BatchContext => ({ topic: TOPICS.raw(KNR), partition: 0, records, heartbeat: async () => undefined, isStale: () => stale });
  const observed = async () => {
    const values = (await metrics.pipelineDelay.get()).values.filter((v) => v.labels.stage === 'normalized');
    return {
      count: values.find((v) => v.metricName === 'hendelseslager_pipeline_delay_seconds_count')?.value ?? 0,
      sum: values.find((v) => v.metricName === 'hendelseslager_pipeline_delay_seconds_sum')?.value ?? 0,
      within: (le: number) => values.find((v) => v.metricName === 'hendelseslager_pipeline_delay_seconds_bucket' && (v.labels as Record<string, unknown>).le === le)?.value ?? 0,
    };
  };

  beforeEach(() => {
    metrics = new HubMetrics();
    acknowledge = async () => undefined;
    const producer = { sendMany: (batches: Array<{ topic: string; records: OutgoingRecord[] }>) => acknowledge(batches) } as unknown as SharedProducer;
    normalizer = new NormalizerService({ pseudonymKey: 'unit-pseudonym-key-0123456789' } as HubConfig, {} as KafkaPort, codec, producer, metrics, TOPICS);
  });

  it('observes each event once acknowledged, from its receipt', async () => {
    const now = Date.now();
    const records = [await raw(1, message(), now - 2_000), await raw(2, message(), now - 40_000)];
    let observedBeforeAck = -1;
    acknowledge = async () => {
      observedBeforeAck = (await observed()).count;
    };
    expect(await normalizer.handleBatch(batch(records))).toBe('2');
    expect(observedBeforeAck).toBe(0);
    const after = await observed();
    expect(after.count).toBe(2);
    // 2 s and 40 s (plus the time the test took): one in the 2.5 s bucket, both in the 60 s one.
    expect(after.within(2.5)).toBe(1);
    expect(after.within(60)).toBe(2);
    expect(after.sum).toBeGreaterThanOrEqual(42);
    expect(after.sum).toBeLessThan(44);
  });

  it('leaves dead letters out, and a receipt time ahead of this host counts as 0', async () => {
    const records = [await raw(1, Buffer.from('<not-xml'), Date.now() - 5_000), await raw(2, message(), Date.now() + 60_000)];
    await normalizer.handleBatch(batch(records));
    const after = await observed();
    expect(after.count).toBe(1);
    expect(after.sum).toBe(0);
  });

  it('observes nothing when Kafka refuses the batch or the batch went stale', async () => {
    acknowledge = async () => {
      throw new Error('broker unavailable');
    };
    await expect(normalizer.handleBatch(batch([await raw(1, message(), Date.now())]))).rejects.toThrow('broker unavailable');
    acknowledge = async () => undefined;
    expect(await normalizer.handleBatch(batch([await raw(2, message(), Date.now())], true))).toBeUndefined();
    expect((await observed()).count).toBe(0);
  });
});
