import { AvroCodec, RegistryUnavailableException, TopicNames } from '@hub/contracts';
import type { IncomingRecord } from '@hub/kafka';
import { HubMetrics } from '@hub/observability';
import { DeadLetterWriter } from './dead-letter-writer.service';
import type { SharedProducer } from './shared-producer.service';

const record = (offset: string, value: string): IncomingRecord => ({ topic: 't', partition: 1, offset, key: `k${offset}`, value: Buffer.from(value), headers: {}, timestamp: `17650000000${offset}` });

describe('DeadLetterWriter', () => {
  const topics = new TopicNames('unit');
  const codec = {
    decode: async (b: Buffer) => {
      const text = b.toString();
      if (text === 'registry-down') throw new RegistryUnavailableException('down');
      if (!text.startsWith('{')) throw new Error('Unknown magic byte');
      return JSON.parse(text);
    },
    encode: async (_topic: string, value: unknown) => Buffer.from(JSON.stringify(value)),
  } as unknown as AvroCodec;

  it('keeps decodable records and dead-letters the others with their reason and exact bytes', async () => {
    const sent: Array<{ topic: string; records: Array<{ key: string | null; value: Buffer }> }> = [];
    const producer = { sendMany: async (b: typeof sent) => void sent.push(...b) } as unknown as SharedProducer;
    const writer = new DeadLetterWriter(codec, producer, new HubMetrics(), topics);
    const decoded = await writer.decodeBatch<{ a: number }>([record('5', '{"a":1}'), record('6', 'garbage')]);
    expect(decoded.map((d) => d.value)).toEqual([{ a: 1 }, undefined]);
    const count = await writer.undecodable({ topic: 't', partition: 1, kommunenummer: '3428' }, decoded, { name: 'projector', errorCode: 'EVENT_UNDECODABLE', what: 'Event' });
    expect(count).toBe(1);
    expect(sent).toHaveLength(1);
    expect(sent[0].topic).toBe('unit.kommune.3428.deadletter.v1');
    const letter = JSON.parse(sent[0].records[0].value.toString());
    expect(letter).toMatchObject({ sourceTopic: 't', sourcePartition: 1, sourceOffset: '6', errorCode: 'EVENT_UNDECODABLE', stage: 'projector', originalKey: 'k6' });
    expect(Buffer.from(letter.originalValue.data).toString()).toBe('garbage');
    expect(letter.reason).toContain('Unknown magic byte');
    // The time of the record, as the normalizer's dead letters carry (it was 0: `dlq list` showed no time).
    expect(letter.failedAt).toBe(176500000006);
  });

  it('throws a registry outage instead of dead-lettering a good record', async () => {
    const writer = new DeadLetterWriter(codec, {} as SharedProducer, new HubMetrics(), topics);
    await expect(writer.decodeBatch([record('1', 'registry-down')])).rejects.toBeInstanceOf(RegistryUnavailableException);
  });
});
