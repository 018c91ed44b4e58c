import { KafkajsAdmin } from './kafkajs.adapter';

describe('KafkajsAdmin offset lookups', () => {
  const noLookups = { topicIds: async () => new Map<string, string>(), endOffsetsOf: async () => [], groupOffsets: async () => [], close: async () => undefined };
  /** kafkajs' own failure when its metadata does not know a partition's leader yet. */
  const staleMetadata = () => new TypeError("Cannot destructure property 'partitions' of 'high.pop(...)' as it is undefined.");
  const fakeAdmin = (failures: number) => {
    const calls = { byTime: 0, metadata: [] as string[][] };
    const admin = {
      fetchTopicOffsetsByTimestamp: async () => {
        calls.byTime += 1;
        if (calls.byTime <= failures) throw staleMetadata();
        return [{ partition: 0, offset: '2' }];
      },
      fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
        calls.metadata.push(topics);
        return { topics: [] };
      },
    };
    return { calls, admin: admin as unknown as ConstructorParameters<typeof KafkajsAdmin>[0] };
  };

  it('asks again with fresh metadata while kafkajs does not know a partition\'s leader, and answers then', async () => {
    const { calls, admin } = fakeAdmin(2);
    const kafka = new KafkajsAdmin(admin, noLookups, 5_000);
    await expect(kafka.offsetsForTime('t', 0)).resolves.toEqual([{ topic: 't', partition: 0, offset: '2' }]);
    expect(calls.byTime).toBe(3);
    expect(calls.metadata).toEqual([['t'], ['t']]);
  });

  it('gives up after its time with kafkajs\' error, and does not retry other errors', async () => {
    const { calls, admin } = fakeAdmin(Number.POSITIVE_INFINITY);
    await expect(new KafkajsAdmin(admin, noLookups, 300).offsetsForTime('t', 0)).rejects.toThrow(/high\.pop/);
    expect(calls.byTime).toBeGreaterThanOrEqual(2);

    let asked = 0;
    const failing = {
      fetchTopicOffsetsByTimestamp: async () => {
        asked += 1;
        throw new RangeError('something else');
      },
      fetchTopicMetadata: async () => ({ topics: [] }),
    } as unknown as ConstructorParameters<typeof KafkajsAdmin>[0];
    await expect(new KafkajsAdmin(failing, noLookups, 5_000).offsetsForTime('t', 0)).rejects.toThrow('something else');
    expect(asked).toBe(1);
  });
});
