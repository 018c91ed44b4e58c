import { endOffsetsOfTopics } from './platformatic.adapter';

type FakeAdmin = Parameters<typeof endOffsetsOfTopics>[0];

/** Metadata answers in turn (the last repeats), ListOffsets answering `end` for every partition asked. */
function fakeAdmin(leaderRounds: number[][][], end = 5n) {
  const asked = { metadata: [] as string[][], listOffsets: [] as Array<Array<{ name: string; partitions: number[] }>> };
  const admin = {
    metadata: async ({ topics }: { topics: string[] }) => {
      const leaders = leaderRounds[Math.min(asked.metadata.length, leaderRounds.length - 1)];
      asked.metadata.push(topics);
      return {
        topics: new Map(topics.map((name, i) => [name, { partitionsCount: leaders[i].length, partitions: leaders[i].map((leader) => ({ leader })) }])),
      };
    },
    listOffsets: async ({ topics }: { topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; timestamp: bigint }> }> }) => {
      asked.listOffsets.push(topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })));
      expect(topics.every((t) => t.partitions.every((p) => p.timestamp === -1n))).toBe(true);
      // Answered per leader, in no particular order: the function sorts.
      return [...topics].reverse().map((t) => ({ name: t.name, partitions: [...t.partitions].reverse().map((p) => ({ partitionIndex: p.partitionIndex, offset: end + BigInt(p.partitionIndex) })) }));
    },
  };
  return { admin: admin as unknown as FakeAdmin, asked };
}

describe('endOffsetsOfTopics (several topics in one round)', () => {
  it('asks one Metadata and one ListOffsets for every partition of every topic, each topic once, and answers in topic and partition order', async () => {
    const { admin, asked } = fakeAdmin([[[0, 0], [1]]]);
    await expect(endOffsetsOfTopics(admin, ['b', 'a', 'b'])).resolves.toEqual([
      { topic: 'a', partition: 0, offset: '5' },
      { topic: 'b', partition: 0, offset: '5' },
      { topic: 'b', partition: 1, offset: '6' },
    ]);
    expect(asked.metadata).toEqual([['b', 'a']]);
    expect(asked.listOffsets).toEqual([[{ name: 'b', partitions: [0, 1] }, { name: 'a', partitions: [0] }]]);
  });

  it('asks nothing for no topics', async () => {
    const { admin, asked } = fakeAdmin([[]]);
    await expect(endOffsetsOfTopics(admin, [])).resolves.toEqual([]);
    expect(asked.metadata).toEqual([]);
  });

  it('asks the metadata again while a partition has no leader (-1), then lists the offsets', async () => {
    const { admin, asked } = fakeAdmin([[[0, -1]], [[-1, 0]], [[0, 0]]]);
    await expect(endOffsetsOfTopics(admin, ['t'])).resolves.toEqual([
      { topic: 't', partition: 0, offset: '5' },
      { topic: 't', partition: 1, offset: '6' },
    ]);
    expect(asked.metadata).toHaveLength(3);
    expect(asked.listOffsets).toHaveLength(1);
  });

  it('stops waiting for a leader after its time and lets ListOffsets answer (or fail) as the cluster is', async () => {
    const { admin, asked } = fakeAdmin([[[-1]]]);
    const started = Date.now();
    await expect(endOffsetsOfTopics(admin, ['t'], 600)).resolves.toEqual([{ topic: 't', partition: 0, offset: '5' }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(asked.metadata.length).toBeGreaterThanOrEqual(2);
    expect(asked.metadata.length).toBeLessThanOrEqual(4);
  });
});
