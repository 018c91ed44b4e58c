import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchContext, ConsumerPort, IncomingRecord, KafkajsAdapter, KafkaPort, OutgoingRecord, PlatformaticAdapter } from '@hub/kafka';
import { TEST_KAFKA_BROKERS, TEST_NAMESPACE } from '../../../../test/support/test-env';

/**
 * The port's contract, checked against the real broker for both adapters, so the platformatic
 * adapter can replace kafkajs without any caller noticing.
 */
const brokers = TEST_KAFKA_BROKERS.split(',');
const adapters: Array<[string, (options?: { fetchMaxBytes?: number; fetchMaxWaitMs?: number }) => KafkaPort]> = [
  ['kafkajs', (options = {}) => new KafkajsAdapter({ brokers, clientId: 'hltest-kafkajs', ...options })],
  ['platformatic', (options = {}) => new PlatformaticAdapter({ brokers, clientId: 'hltest-platformatic', ...options })],
];

async function eventually(check: () => boolean, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function records(n: number, tag: string): OutgoingRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `${tag}-key-${i % 17}`,
    value: Buffer.from(`${tag}-value-${i}-${'æ'.repeat(i % 5)}`),
    headers: { 'x-seq': String(i), 'x-tag': tag },
  }));
}

describe.each(adapters)('Kafka port through %s', (name, create) => {
  const kafka = create();
  const other = adapters.find(([n]) => n !== name)![1]();
  const topic = `${TEST_NAMESPACE}.kclient.${name}.${randomUUID().slice(0, 8)}`;
  const consumers: ConsumerPort[] = [];

  beforeAll(async () => {
    const admin = await kafka.admin();
    await admin.ensureTopics([{ topic, partitions: 3, replicationFactor: 1 }]);
    // A second call is a no-op, not an error.
    await admin.ensureTopics([{ topic, partitions: 3, replicationFactor: 1 }]);
    expect(await admin.listTopics()).toContain(topic);
    await admin.ping();
    await admin.disconnect();
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
  });

  /** A new topic of this test's own, made through `through` (an adapter with the test's settings). */
  async function ownTopic(through: KafkaPort, tag: string, partitions: number): Promise<string> {
    const own = `${TEST_NAMESPACE}.kclient.${name}.${tag}.${randomUUID().slice(0, 8)}`;
    const admin = await through.admin();
    await admin.ensureTopics([{ topic: own, partitions, replicationFactor: 1 }]);
    await admin.disconnect();
    return own;
  }

  /**
   * A 4-partition topic of its own holding 80 records over 40 keys, and its end offsets; at least
   * two partitions hold records, or a case about partitions handled side by side proves nothing.
   */
  async function spreadTopic(tag: string): Promise<{ topic: string; ends: Array<{ partition: number; offset: string }> }> {
    const own = await ownTopic(kafka, tag, 4);
    const producer = await kafka.producer();
    await producer.sendMany([{ topic: own, records: Array.from({ length: 80 }, (_, i) => ({ key: `patient-${i % 40}`, value: Buffer.from(String(i)) })) }]);
    await producer.disconnect();
    const admin = await kafka.admin();
    const ends = await admin.endOffsetsOf([own]);
    await admin.disconnect();
    expect(ends.filter((e) => e.offset !== '0').length).toBeGreaterThanOrEqual(2);
    return { topic: own, ends };
  }

  function consume(groupId: string, handle: (batch: BatchContext) => Promise<string | undefined>, extra: Partial<Parameters<KafkaPort['consumer']>[0]> = {}) {
    const consumer = kafka.consumer({ groupId, topics: [topic], fromBeginning: true, commitToGroup: false, handleBatch: handle, ...extra });
    consumers.push(consumer);
    return consumer;
  }

  it('delivers every produced record once with keys, values and headers intact, and commits to the group', async () => {
    const producer = await kafka.producer();
    const sent = records(300, 'a');
    await producer.sendMany([{ topic, records: sent.slice(0, 100) }]);
    await producer.send(topic, sent.slice(100));
    await producer.disconnect();

    const got: IncomingRecord[] = [];
    const groupId = `${TEST_NAMESPACE}.kclient.${name}.g1`;
    await consume(groupId, async (b) => {
      got.push(...b.records);
      return b.records.at(-1)?.offset;
    }, { commitToGroup: true }).start();
    await eventually(() => got.length >= 300);
    await new Promise((r) => setTimeout(r, 500));
    expect(got).toHaveLength(300);
    const bySeq = new Map(got.map((r) => [r.headers['x-seq'], r]));
    sent.forEach((s, i) => {
      const r = bySeq.get(String(i))!;
      expect(r.key).toBe(s.key);
      expect(r.value).toEqual(s.value);
      expect(r.headers).toEqual(s.headers);
      expect(Number(r.timestamp)).toBeGreaterThan(Date.now() - 120000);
    });
    // Per partition, offsets strictly increase (no duplicates, order kept).
    for (const p of [0, 1, 2]) {
      const offsets = got.filter((r) => r.partition === p).map((r) => BigInt(r.offset));
      offsets.forEach((o, i) => i > 0 && expect(o).toBeGreaterThan(offsets[i - 1]));
    }

    const admin = await kafka.admin();
    const ends = (await admin.endOffsetsOf([topic])).sort((x, y) => x.partition - y.partition);
    expect(ends.map((e) => e.partition)).toEqual([0, 1, 2]);
    expect(ends.reduce((s, e) => s + Number(e.offset), 0)).toBe(300);
    const committed = (await admin.groupOffsets(groupId, topic)).sort((x, y) => x.partition - y.partition);
    expect(committed.map((c) => c.offset)).toEqual(ends.map((e) => e.offset));
    expect((await admin.groupOffsets(`${TEST_NAMESPACE}.kclient.none`, topic)).map((c) => c.offset)).toEqual(['-1', '-1', '-1']);
    // Several topics in one call (the lag monitor's), each offset named with its topic.
    const many = (await admin.groupOffsets(groupId, [topic])).sort((x, y) => x.partition - y.partition);
    expect(many).toEqual(committed.map((c) => ({ ...c, topic })));
    // Several topics' end offsets in one round (the lag monitor's and the stored-offset checks'):
    // the same as one topic at a time, in topic and partition order, a topic named twice once.
    const second = `${topic}.second`;
    await admin.ensureTopics([{ topic: second, partitions: 2, replicationFactor: 1 }]);
    const producer2 = await kafka.producer();
    await producer2.sendMany([{ topic: second, records: records(7, 's') }]);
    await producer2.disconnect();
    const secondEnds = (await admin.endOffsetsOf([second])).sort((x, y) => x.partition - y.partition);
    expect(secondEnds.reduce((s, e) => s + Number(e.offset), 0)).toBe(7);
    expect(await admin.endOffsetsOf([second, topic, second])).toEqual([...ends, ...secondEnds]);
    expect(await admin.endOffsetsOf([])).toEqual([]);
    // A group's offsets for several topics in one request: -1 for a topic it never committed.
    expect(await admin.groupOffsets(groupId, [topic, second])).toEqual([...committed.map((c) => ({ ...c, topic })), { topic: second, partition: 0, offset: '-1' }, { topic: second, partition: 1, offset: '-1' }]);
    await admin.disconnect();
  });

  it('with groupCommitIntervalMs, commits in the background: not after the batch, within the interval while running, and what is held when it stops', async () => {
    const { topic: own, ends } = await spreadTopic('bgcommit');
    const admin = await kafka.admin();
    try {
      const committed = async (groupId: string) => (await admin.groupOffsets(groupId, own)).sort((x, y) => x.partition - y.partition).map((c) => c.offset);
      const expected = ends.sort((x, y) => x.partition - y.partition).map((e) => e.offset);
      const never = expected.map(() => '-1');

      // An interval longer than the test: only the stop can have committed.
      const slow = `${TEST_NAMESPACE}.kclient.${name}.bg-slow.${randomUUID().slice(0, 8)}`;
      let got = 0;
      const first = kafka.consumer({ groupId: slow, topics: [own], fromBeginning: true, commitToGroup: true, groupCommitIntervalMs: 600_000, handleBatch: async (b) => ((got += b.records.length), b.records.at(-1)?.offset) });
      await first.start();
      await eventually(() => got >= 80);
      await sleep(500);
      expect(await committed(slow)).toEqual(never);
      await first.stop();
      expect(await committed(slow)).toEqual(expected);

      // A short interval: the group catches up while the consumer runs.
      const fast = `${TEST_NAMESPACE}.kclient.${name}.bg-fast.${randomUUID().slice(0, 8)}`;
      got = 0;
      const second = kafka.consumer({ groupId: fast, topics: [own], fromBeginning: true, commitToGroup: true, groupCommitIntervalMs: 200, handleBatch: async (b) => ((got += b.records.length), b.records.at(-1)?.offset) });
      consumers.push(second);
      await second.start();
      await eventually(() => got >= 80);
      const deadline = Date.now() + 10_000;
      while (JSON.stringify(await committed(fast)) !== JSON.stringify(expected) && Date.now() < deadline) await sleep(100);
      expect(await committed(fast)).toEqual(expected);
    } finally {
      await admin.disconnect();
    }
  });

  it('creates topics of several kinds in one call, each with its own partitions, beside one that exists', async () => {
    const admin = await kafka.admin();
    const base = `${TEST_NAMESPACE}.kclient.${name}.kinds.${randomUUID().slice(0, 8)}`;
    const specs = [
      { topic: `${base}.a`, partitions: 2, replicationFactor: 1, config: { 'retention.ms': '-1' } },
      { topic: `${base}.b`, partitions: 2, replicationFactor: 1, config: { 'retention.ms': '-1' } },
      { topic: `${base}.c`, partitions: 1, replicationFactor: 1 },
      { topic: `${base}.d`, partitions: 3, replicationFactor: 1 },
    ];
    await admin.ensureTopics([specs[2]]);
    await admin.ensureTopics(specs);
    const ends = await admin.endOffsetsOf(specs.map((s) => s.topic));
    expect(ends.map((e) => `${e.topic.slice(base.length)}:${e.partition}:${e.offset}`)).toEqual(['.a:0:0', '.a:1:0', '.b:0:0', '.b:1:0', '.c:0:0', '.d:0:0', '.d:1:0', '.d:2:0']);
    await admin.disconnect();
  });

  it('places keys on the same partitions as the other adapter', async () => {
    const mine = `${topic}.placement`;
    const admin = await kafka.admin();
    await admin.ensureTopics([{ topic: mine, partitions: 3, replicationFactor: 1 }]);
    const keys = Array.from({ length: 60 }, (_, i) => `pseudo-${i}-${randomUUID()}`);
    for (const port of [kafka, other]) {
      const producer = await port.producer();
      await producer.send(mine, keys.map((key) => ({ key, value: Buffer.from(key) })));
      await producer.disconnect();
    }
    const seen = new Map<string, Set<number>>();
    let count = 0;
    await consume(`${TEST_NAMESPACE}.kclient.${name}.placement`, async (b) => {
      for (const r of b.records) seen.set(r.key!, (seen.get(r.key!) ?? new Set()).add(r.partition));
      count += b.records.length;
      return b.records.at(-1)?.offset;
    }, { topics: [mine] }).start();
    await eventually(() => count >= keys.length * 2);
    for (const k of keys) expect(seen.get(k)!.size).toBe(1);
    // Keys really are spread: a partitioner sending everything to one partition would pass above.
    expect(new Set([...seen.values()].map((s) => [...s][0])).size).toBe(3);
    await admin.disconnect();
  });

  it('redelivers records after the returned offset and resumes from startOffsets', async () => {
    const got: string[] = [];
    let firstCall = true;
    const consumer = consume(`${TEST_NAMESPACE}.kclient.${name}.redeliver`, async (b) => {
      if (b.partition !== 0) return b.records.at(-1)?.offset;
      if (firstCall && b.records.length > 1) {
        // Process only the first record; the rest must come again.
        firstCall = false;
        got.push(b.records[0].offset);
        return b.records[0].offset;
      }
      got.push(...b.records.map((r) => r.offset));
      return b.records.at(-1)?.offset;
    }, {
      startOffsets: async (assigned) => assigned.map((a) => ({ ...a, offset: a.partition === 0 ? '5' : '0' })),
    });
    await consumer.start();
    const admin = await kafka.admin();
    const end = Number((await admin.endOffsetsOf([topic])).find((e) => e.partition === 0)!.offset);
    await admin.disconnect();
    await eventually(() => got.length >= end - 5);
    await new Promise((r) => setTimeout(r, 500));
    // kafkajs applies the seek asynchronously after the group join, so its first fetch may start
    // at the group's fallback (known; see libs/ops/src/topic-range.reader.ts); the platformatic
    // adapter resolves startOffsets before its first fetch, so it is held to the strict order.
    const seenFromStart = name === 'kafkajs' ? got.filter((o) => Number(o) >= 5) : got;
    expect(seenFromStart).toEqual(Array.from({ length: end - 5 }, (_, i) => String(i + 5)));
  });

  it('fetches at most about fetchMaxBytes at a time: the same records in many small batches, each once', async () => {
    const small = create({ fetchMaxBytes: 4096 });
    const own = await ownTopic(small, 'small', 2);
    const producer = await small.producer();
    // 20 sends of 10 records of ~1 KB: record batches of ~5 KB per partition.
    for (let i = 0; i < 20; i++) {
      await producer.sendMany([{ topic: own, records: Array.from({ length: 10 }, (_, j) => ({ key: `k${(i * 10 + j) % 7}`, value: Buffer.alloc(1000, i * 10 + j) })) }]);
    }
    await producer.disconnect();
    const seen: number[] = [];
    let batches = 0;
    const consumer = small.consumer({
      groupId: `${TEST_NAMESPACE}.kclient.${name}.small`,
      topics: [own],
      fromBeginning: true,
      commitToGroup: false,
      handleBatch: async (batch) => {
        batches += 1;
        for (const r of batch.records) seen.push(r.value![0]);
        return batch.records.at(-1)?.offset;
      },
    });
    consumers.push(consumer);
    await consumer.start();
    await eventually(() => seen.length >= 200);
    expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i % 256).sort((x, y) => x - y));
    // With the default limit all 200 records (200 KB) would come in one batch per partition.
    expect(batches).toBeGreaterThanOrEqual(10);
  });

  it('a consumer with fetchMinBytes takes what arrived during the fetch wait in one batch; one without, each send as it comes', async () => {
    const waiting = create({ fetchMaxWaitMs: 1500 });
    const own = await ownTopic(waiting, 'minbytes', 1);
    const producer = await waiting.producer();
    const run = async (group: string, fetchMinBytes: number | undefined, tag: string) => {
      const batches: string[][] = [];
      const consumer = waiting.consumer({
        groupId: `${TEST_NAMESPACE}.kclient.${name}.minbytes.${group}`,
        topics: [own],
        fromBeginning: true,
        commitToGroup: false,
        fetchMinBytes,
        handleBatch: async (batch) => {
          const mine = batch.records.map((r) => r.value!.toString()).filter((v) => v.startsWith(tag));
          if (mine.length > 0) batches.push(mine);
          return batch.records.at(-1)?.offset;
        },
      });
      consumers.push(consumer);
      await consumer.start();
      // Joined and fetching: a first record comes through (after at most one wait).
      await producer.sendMany([{ topic: own, records: [{ key: 'k', value: Buffer.from(`${tag}-warm`) }] }]);
      await eventually(() => batches.length > 0);
      batches.length = 0;
      // Five sends of one small record, 100 ms apart (400 ms in all, well inside one 1,500 ms wait).
      for (let i = 0; i < 5; i++) {
        await producer.sendMany([{ topic: own, records: [{ key: 'k', value: Buffer.from(`${tag}-${i}`) }] }]);
        await sleep(100);
      }
      await eventually(() => batches.flat().length >= 5);
      await consumer.stop();
      expect(batches.flat()).toEqual([0, 1, 2, 3, 4].map((i) => `${tag}-${i}`));
      return batches.length;
    };
    // Waiting for 1 MiB: the broker holds the fetch for the whole wait, so the five come in one
    // batch, or two if a wait ended between them.
    expect(await run('waits', 1024 * 1024, 'w')).toBeLessThanOrEqual(2);
    // Without: a record ends the wait at once, so each send is its own batch (five; at least three
    // leaves room for a slow fetch loop on a loaded machine, and still tells the two apart).
    expect(await run('eager', undefined, 'e')).toBeGreaterThanOrEqual(3);
    await producer.disconnect();
  });

  it('with partitionsConsumedConcurrently, handles the partitions of a fetch at the same time, each in order and once, and commits them all', async () => {
    const { topic: own, ends } = await spreadTopic('concurrent');
    const admin = await kafka.admin();
    const run = async (group: string, width: number) => {
      const got = new Map<number, bigint[]>();
      let inFlight = 0;
      let most = 0;
      const groupId = `${TEST_NAMESPACE}.kclient.${name}.concurrent.${group}`;
      const consumer = kafka.consumer({
        groupId,
        topics: [own],
        fromBeginning: true,
        commitToGroup: true,
        partitionsConsumedConcurrently: width,
        handleBatch: async (batch) => {
          inFlight += 1;
          most = Math.max(most, inFlight);
          // Held until another partition's batch runs beside it (or 300 ms: one at a time).
          const until = Date.now() + 300;
          while (inFlight < 2 && Date.now() < until) await sleep(10);
          got.set(batch.partition, [...(got.get(batch.partition) ?? []), ...batch.records.map((r) => BigInt(r.offset))]);
          inFlight -= 1;
          return batch.records.at(-1)?.offset;
        },
      });
      consumers.push(consumer);
      await consumer.start();
      await eventually(() => [...got.values()].flat().length >= 80);
      // Every partition's last offset committed to the group (commits may trail the handler a moment).
      const byPartition = (o: Array<{ partition: number; offset: string }>) => [...o].sort((x, y) => x.partition - y.partition).map((c) => c.offset);
      const deadline = Date.now() + 10_000;
      while (byPartition(await admin.groupOffsets(groupId, own)).join() !== byPartition(ends).join() && Date.now() < deadline) await sleep(100);
      expect(byPartition(await admin.groupOffsets(groupId, own))).toEqual(byPartition(ends));
      await consumer.stop();
      for (const offsets of got.values()) expect(offsets).toEqual(offsets.map((_, i) => offsets[0] + BigInt(i)));
      expect([...got.values()].flat()).toHaveLength(80);
      return most;
    };
    expect(await run('together', 4)).toBeGreaterThanOrEqual(2);
    expect(await run('alone', 1)).toBe(1);
    await admin.disconnect();
  });

  it('with partitionsConsumedConcurrently, a handler that throws lets the batch beside it finish, and nothing new is handed over after it', async () => {
    const { topic: own } = await spreadTopic('concurrent-fail');
    const started: number[] = [];
    const finished: number[] = [];
    let failing: number | undefined;
    const consumer = kafka.consumer({
      groupId: `${TEST_NAMESPACE}.kclient.${name}.concurrent-fail`,
      topics: [own],
      fromBeginning: true,
      // Finished batches are committed, so a restart (kafkajs restarts itself) does not hand them over again.
      commitToGroup: true,
      partitionsConsumedConcurrently: 4,
      handleBatch: async (batch) => {
        started.push(batch.partition);
        failing ??= batch.partition;
        if (batch.partition === failing) {
          // Fails once another partition's batch runs beside it (or after 300 ms).
          const until = Date.now() + 300;
          while (started.length < 2 && Date.now() < until) await sleep(10);
          throw new Error('projection failed');
        }
        await sleep(200);
        finished.push(batch.partition);
        return batch.records.at(-1)?.offset;
      },
    });
    consumers.push(consumer);
    await consumer.start();
    await eventually(() => started.length >= 2);
    await sleep(1500);
    // Another partition's batch ran beside the failing one and finished.
    expect(finished.filter((p) => p !== failing).length).toBeGreaterThanOrEqual(1);
    const calls = started.length;
    await sleep(1500);
    // Nothing new was handed over after the failure. kafkajs retries the failing batch itself
    // (its runner's retries, then a restart), so it is held only to that; the platformatic
    // adapter stops the consumer, as the port says, and hands over nothing at all.
    expect(started.slice(calls).every((p) => p === failing)).toBe(true);
    if (name === 'platformatic') expect(started).toHaveLength(calls);
  });

  it('stops a consumer whose handler throws, and finds offsets by time', async () => {
    let calls = 0;
    await consume(`${TEST_NAMESPACE}.kclient.${name}.throws`, async () => {
      calls++;
      throw new Error('projection failed');
    }).start();
    await eventually(() => calls >= 1);
    const admin = await kafka.admin();
    const byPartition = (o: Array<{ partition: number }>) => [...o].sort((x, y) => x.partition - y.partition);
    const future = await admin.offsetsForTime(topic, Date.now() + 3600_000);
    expect(byPartition(future)).toEqual(byPartition(await admin.endOffsetsOf([topic])));
    const past = await admin.offsetsForTime(topic, 0);
    expect(past.map((p) => p.offset)).toEqual(['0', '0', '0']);
    await admin.deleteGroup(`${TEST_NAMESPACE}.kclient.${name}.g1`);
    await admin.deleteGroup(`${TEST_NAMESPACE}.kclient.${name}.never-existed`);
    await admin.disconnect();
  });

  it('reads topic ids: stable for a topic, new when it is deleted and created again, absent for a missing topic', async () => {
    const admin = await kafka.admin();
    const replaced = `${TEST_NAMESPACE}.kclient.${name}.replaced.${randomUUID().slice(0, 8)}`;
    const missing = `${TEST_NAMESPACE}.kclient.${name}.missing`;
    try {
      await admin.ensureTopics([{ topic: replaced, partitions: 1, replicationFactor: 1 }]);
      const first = await admin.topicIds([topic, replaced, missing]);
      expect([...first.keys()].sort()).toEqual([replaced, topic].sort());
      expect(first.get(topic)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect((await admin.topicIds([topic])).get(topic)).toBe(first.get(topic));
      // Deleted and created again under the same name: another topic, another id.
      const { Kafka, logLevel } = await import('kafkajs');
      const raw = new Kafka({ clientId: 'hltest-delete', brokers, logLevel: logLevel.NOTHING }).admin();
      await raw.connect();
      await raw.deleteTopics({ topics: [replaced], timeout: 30000 });
      const deadline = Date.now() + 30000;
      while ((await raw.listTopics()).includes(replaced) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      // Created again by a client that never saw the old topic (a client's metadata cache of a deleted topic is not the point here).
      await raw.createTopics({ topics: [{ topic: replaced, numPartitions: 1, replicationFactor: 1 }] });
      await raw.disconnect();
      let again: string | undefined;
      while (!(again = (await admin.topicIds([replaced])).get(replaced)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(again).toMatch(/^[0-9a-f-]{36}$/);
      expect(again).not.toBe(first.get(replaced));
    } finally {
      await admin.disconnect();
    }
  });
});

/**
 * A platformatic consumer's group traffic (heartbeats, JoinGroup, SyncGroup, commits) must not wait
 * behind its own fetch held at the broker: a broker answers one request of a connection at a time,
 * and on one shared connection each step of a rebalance waited up to a fetch wait (with 357
 * kommuner a second instance's join took 90 s, once 9 minutes). With a 20 s fetch wait the join
 * and the stop must each take well under one wait.
 */
describe('platformatic consumer with a long fetch wait', () => {
  const waitMs = 20_000;
  const kafka = new PlatformaticAdapter({ brokers, clientId: 'hltest-platformatic-wait', fetchMaxWaitMs: waitMs });
  const topic = `${TEST_NAMESPACE}.kclient.wait.${randomUUID().slice(0, 8)}`;
  const group = `${TEST_NAMESPACE}.kclient.wait.${randomUUID().slice(0, 8)}`;
  const started: ConsumerPort[] = [];

  beforeAll(async () => {
    const admin = await kafka.admin();
    await admin.ensureTopics([{ topic, partitions: 2, replicationFactor: 1 }]);
    await admin.disconnect();
  });
  afterAll(async () => {
    await Promise.all(started.map((c) => c.stop()));
  });

  it('lets a second member join, and a member stop, without waiting for the fetch in flight', async () => {
    const member = () => {
      const consumer = kafka.consumer({ groupId: group, topics: [topic], fromBeginning: true, commitToGroup: true, handleBatch: async () => undefined });
      started.push(consumer);
      return consumer;
    };
    const first = member();
    await first.start();
    // The first member's fetch is now held at the broker (nothing to read).
    await new Promise((r) => setTimeout(r, 2000));
    const joining = Date.now();
    // A JoinGroup completes only when every member has rejoined: the first must notice the rebalance.
    await member().start();
    const joinMs = Date.now() - joining;
    await new Promise((r) => setTimeout(r, 2000));
    const stopping = Date.now();
    await first.stop();
    const stopMs = Date.now() - stopping;
    expect({ joinMs: joinMs < waitMs / 2, stopMs: stopMs < waitMs / 2 }).toEqual({ joinMs: true, stopMs: true });
  }, 90_000);
});
