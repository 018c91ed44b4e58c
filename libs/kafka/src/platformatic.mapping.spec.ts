import { murmur2 } from '@platformatic/kafka';
import { Partitioners } from 'kafkajs';
import {
  hasProtocolError,
  headersToBuffers,
  headersToStrings,
  isKafkaFailure,
  javaCompatiblePartitioner,
  nextOffsetAfter,
  toIncomingRecords,
} from './platformatic.mapping';

describe('platformatic mapping', () => {
  it('places every key on the same partition as kafkajs (Java murmur2)', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const ours = javaCompatiblePartitioner((key) => murmur2(key));
    let differsFromUnsigned = 0;
    for (let i = 0; i < 5000; i++) {
      const key = `pseudonym-${i}-${'x'.repeat(i % 37)}`;
      for (const partitions of [1, 3, 7]) {
        const expected = kafkajs({
          topic: 't',
          partitionMetadata: Array.from({ length: partitions }, (_, p) => ({ partitionId: p, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] })),
          message: { key, value: null },
        });
        // The client reduces the partitioner's answer modulo the partition count.
        expect(ours(undefined, Buffer.from(key)) % partitions).toBe(expected);
        if ((murmur2(Buffer.from(key)) >>> 0) % partitions !== expected) differsFromUnsigned++;
      }
    }
    // The client's default (unsigned hash) would have misplaced a share of the keys.
    expect(differsFromUnsigned).toBeGreaterThan(100);
  });

  it('spreads records without a key over the partitions', () => {
    const partitioner = javaCompatiblePartitioner(() => 0);
    const seen = new Set(Array.from({ length: 6 }, () => partitioner(undefined, undefined) % 3));
    expect(seen).toEqual(new Set([0, 1, 2]));
  });

  it('maps fetched batches to records from the requested offset, skipping control batches', () => {
    const rec = (offsetDelta: number, key: string | null) => ({
      offsetDelta,
      timestampDelta: BigInt(offsetDelta * 10),
      key: key === null ? null : Buffer.from(key),
      value: Buffer.from(`v${offsetDelta}`),
      headers: [[Buffer.from('content-type'), Buffer.from('application/xml')]] as Array<[Buffer | null, Buffer | null]>,
    });
    const batches = [
      { firstOffset: 10n, firstTimestamp: 1000n, attributes: 0, lastOffsetDelta: 2, records: [rec(0, 'a'), rec(1, null), rec(2, 'c')] },
      { firstOffset: 13n, firstTimestamp: 2000n, attributes: 0x20, lastOffsetDelta: 0, records: [rec(0, 'marker')] },
    ];
    const records = toIncomingRecords('t', 2, batches, 11n);
    expect(records.map((r) => r.offset)).toEqual(['11', '12']);
    expect(records[0]).toEqual({
      topic: 't',
      partition: 2,
      offset: '11',
      key: null,
      value: Buffer.from('v1'),
      headers: { 'content-type': 'application/xml' },
      timestamp: '1010',
    });
    expect(records[1].key).toBe('c');
    // The position after this fetch steps over the control batch too.
    expect(nextOffsetAfter(batches)).toBe(14n);
    expect(nextOffsetAfter([])).toBeUndefined();
  });

  it('round-trips headers between strings and buffers', () => {
    const buffers = headersToBuffers({ a: 'æøå', b: '' })!;
    expect(headersToStrings([...buffers.entries()])).toEqual({ a: 'æøå', b: '' });
    expect(headersToBuffers(undefined)).toBeUndefined();
    expect(headersToStrings([[null, Buffer.from('x')]])).toEqual({});
  });

  it('tells Kafka failures from programming errors and finds nested protocol errors', () => {
    expect(isKafkaFailure({ code: 'PLT_KFK_NETWORK' })).toBe(true);
    expect(isKafkaFailure({ code: 'PLT_KFK_USER' })).toBe(false);
    expect(isKafkaFailure(new Error('x'))).toBe(false);
    const nested = { code: 'PLT_KFK_MULTIPLE', errors: [{ code: 'PLT_KFK_RESPONSE', errors: [{ apiId: 'OFFSET_OUT_OF_RANGE' }] }] };
    expect(hasProtocolError(nested, 'OFFSET_OUT_OF_RANGE')).toBe(true);
    expect(hasProtocolError(nested, 'GROUP_ID_NOT_FOUND')).toBe(false);
  });
});
