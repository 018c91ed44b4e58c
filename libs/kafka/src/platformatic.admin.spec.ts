import type { Admin } from '@platformatic/kafka';
import { endOffsetsOfTopics, PlatformaticAdmin, PlatformaticLookups } from './platformatic.adapter';

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

describe('PlatformaticAdmin.ensureTopics', () => {
  type Create = { topics: string[]; partitions: number; replicas: number; configs: Array<{ name: string; value: string }> };

  function fakeClient(existing: string[], raceWith: string[] = []) {
    const created: Create[] = [];
    const topics = new Set(existing);
    const client = {
      listTopics: async () => [...topics],
      createTopics: async (request: Create) => {
        created.push(request);
        // Another instance created these after our listTopics: the request fails for them, the rest exist now.
        const taken = request.topics.filter((t) => raceWith.includes(t));
        for (const t of request.topics) if (!raceWith.includes(t)) topics.add(t);
        if (taken.length) throw Object.assign(new Error('Received response with error while executing API CreateTopics(v7)'), { errors: [{ apiId: 'TOPIC_ALREADY_EXISTS' }] });
      },
      metadata: async ({ topics: asked }: { topics: string[] }) => ({ topics: new Map(asked.map((t) => [t, { partitions: [{ leader: 0 }] }])) }),
    };
    return { client, created };
  }

  const spec = (topic: string, partitions: number, config?: Record<string, string>) => ({ topic, partitions, replicationFactor: 1, config });

  it('creates the missing topics with one request per kind (partitions, replicas, configs), leaving existing ones alone', async () => {
    const { client, created } = fakeClient(['k1.raw']);
    const admin = new PlatformaticAdmin(client as unknown as ConstructorParameters<typeof PlatformaticAdmin>[0]);
    await admin.ensureTopics([spec('k1.raw', 1, { 'retention.ms': '-1' }), spec('k2.raw', 1, { 'retention.ms': '-1' }), spec('k3.raw', 1, { 'retention.ms': '-1' }), spec('k2.audit', 1), spec('k3.audit', 1), spec('big.raw', 3, { 'retention.ms': '-1' })]);
    expect(created).toEqual([
      { topics: ['k2.raw', 'k3.raw'], partitions: 1, replicas: 1, configs: [{ name: 'retention.ms', value: '-1' }] },
      { topics: ['k2.audit', 'k3.audit'], partitions: 1, replicas: 1, configs: [] },
      { topics: ['big.raw'], partitions: 3, replicas: 1, configs: [{ name: 'retention.ms', value: '-1' }] },
    ]);
  });

  it('goes one by one when a request of several fails, and takes a topic another instance created meanwhile as created', async () => {
    const { client, created } = fakeClient([], ['k2.raw']);
    const admin = new PlatformaticAdmin(client as unknown as ConstructorParameters<typeof PlatformaticAdmin>[0]);
    await admin.ensureTopics([spec('k1.raw', 1), spec('k2.raw', 1), spec('k3.raw', 1)]);
    expect(created.map((c) => c.topics)).toEqual([['k1.raw', 'k2.raw', 'k3.raw'], ['k1.raw'], ['k2.raw'], ['k3.raw']]);
  });

  it('fails with the client\'s error when a topic cannot be created for another reason', async () => {
    const { client } = fakeClient([]);
    client.createTopics = async () => {
      throw Object.assign(new Error('policy'), { errors: [{ apiId: 'POLICY_VIOLATION' }] });
    };
    const admin = new PlatformaticAdmin(client as unknown as ConstructorParameters<typeof PlatformaticAdmin>[0]);
    await expect(admin.ensureTopics([spec('k1.raw', 1), spec('k2.raw', 1)])).rejects.toThrow('policy');
  });
});

describe('PlatformaticLookups (the kafkajs adapter\'s many-topic lookups)', () => {
  /** A client that answers topic ids for the topics 'a' and 'b', or fails while `failing` is set. */
  const fakeClients = () => {
    const opened: Array<{ closed: boolean }> = [];
    const state = { failing: false };
    const open = async () => {
      const record = { closed: false };
      opened.push(record);
      return {
        listTopics: async () => {
          if (state.failing) throw new Error('connection refused');
          return ['a', 'b'];
        },
        metadata: async ({ topics }: { topics: string[] }) => ({ topics: new Map(topics.map((t) => [t, { id: `id-${t}` }])) }),
        close: async () => {
          record.closed = true;
        },
      } as unknown as Admin;
    };
    return { opened, state, open };
  };

  it('keeps one client for every lookup until closed, then opens a new one', async () => {
    const { opened, open } = fakeClients();
    const lookups = new PlatformaticLookups({ brokers: [], clientId: 'hub' }, open);
    await expect(lookups.topicIds(['a'])).resolves.toEqual(new Map([['a', 'id-a']]));
    await expect(Promise.all([lookups.topicIds(['b']), lookups.topicIds(['a', 'c'])])).resolves.toEqual([new Map([['b', 'id-b']]), new Map([['a', 'id-a']])]);
    expect(opened).toEqual([{ closed: false }]);
    await lookups.close();
    expect(opened).toEqual([{ closed: true }]);
    await lookups.topicIds(['a']);
    expect(opened).toEqual([{ closed: true }, { closed: false }]);
  });

  it('after a failed lookup closes that client and opens a fresh one for the next', async () => {
    const { opened, state, open } = fakeClients();
    const lookups = new PlatformaticLookups({ brokers: [], clientId: 'hub' }, open);
    state.failing = true;
    await expect(lookups.topicIds(['a'])).rejects.toThrow('connection refused');
    expect(opened).toEqual([{ closed: true }]);
    state.failing = false;
    await expect(lookups.topicIds(['a'])).resolves.toEqual(new Map([['a', 'id-a']]));
    expect(opened).toEqual([{ closed: true }, { closed: false }]);
    await lookups.close();
    await lookups.close();
    expect(opened.every((c) => c.closed)).toBe(true);
  });
});
