import type { HubConfig } from '@hub/config';
import { kommuneTopicSpecs, TopicNames, type AvroCodec } from '@hub/contracts';
import type { KommuneDirectory, KommuneEntry } from '@hub/directory';
import type { AdminPort, KafkaPort, TopicSpec } from '@hub/kafka';
import { HubMetrics } from '@hub/observability';
import type { DataSource } from 'typeorm';
import { SharedTopicList } from './pattern-consumer.runner';
import { ProvisioningStatus } from './provisioning-status';
import { ReadinessService } from './readiness.service';
import { forEachConcurrently, TopicProvisioner } from './topic-provisioner.service';

/** Raw, events, dead letters, audit and MsgId conflicts: the topics every kommune gets. */
const TOPICS_PER_KOMMUNE = kommuneTopicSpecs(new TopicNames(), '1000', { kafka: { partitions: 3, replicationFactor: 1 } }).length;

/** The 4-digit numbers of `n` kommuner, like a national directory. */
function kommuner(n: number, extra: Partial<KommuneEntry> = {}): KommuneEntry[] {
  return Array.from({ length: n }, (_, i) => ({ kommunenummer: String(1000 + i), navn: `K${i}`, herIds: [], ...extra }));
}

function directoryOf(entries: KommuneEntry[]): KommuneDirectory {
  return { list: () => entries.map((e) => ({ ...e })) } as unknown as KommuneDirectory;
}

function configOf(provisioning = { maxRecordsPerRequest: 5000, concurrency: 2 }): HubConfig {
  return { kafka: { partitions: 3, replicationFactor: 1, retentionMs: -1, provisioning } } as unknown as HubConfig;
}

/**
 * A Kafka whose controller behaves like KRaft's: a CreateTopics request that would write more
 * than 10,000 metadata records (a topic record, one per partition, one per config entry) is
 * refused whole. Counted here from the request itself, independently of the code under test.
 */
function kraftLikeKafka(options: { delayMs?: number; refuse?: (specs: TopicSpec[]) => boolean } = {}) {
  const topics = new Map<string, TopicSpec>();
  const requests: TopicSpec[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const admin: Partial<AdminPort> = {
    ensureTopics: async (specs) => {
      requests.push(specs);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await new Promise((r) => setTimeout(r, options.delayMs ?? 0));
        const records = specs.reduce((n, s) => n + 1 + s.partitions + Object.keys(s.config ?? {}).length, 0);
        if (records > 10000) throw new Error(`CreateTopics of ${records} records exceeds the maximum of 10000`);
        if (options.refuse?.(specs)) throw new Error('refused');
        for (const s of specs) topics.set(s.topic, s);
      } finally {
        inFlight -= 1;
      }
    },
    disconnect: async () => undefined,
    ping: async () => undefined,
  };
  const kafka = { admin: async () => admin } as unknown as KafkaPort;
  return { kafka, topics, requests, maxInFlight: () => maxInFlight };
}

function provisionerFor(entries: KommuneEntry[], kafka: KafkaPort, config = configOf()) {
  const directory = directoryOf(entries);
  const metrics = new HubMetrics();
  const status = new ProvisioningStatus(directory, metrics);
  return { provisioner: new TopicProvisioner(config, kafka, directory, status, new TopicNames()), status, metrics };
}

describe('TopicProvisioner', () => {
  it('provisions a national directory (357 kommuner, more than one CreateTopics request can hold) in requests the controller accepts', async () => {
    const fake = kraftLikeKafka();
    const { provisioner, status } = provisionerFor(kommuner(357), fake.kafka);

    await provisioner.provisionNew();

    expect(status.unprovisioned()).toEqual([]);
    expect(fake.topics.size).toBe(357 * TOPICS_PER_KOMMUNE);
    expect(fake.requests.length).toBeGreaterThan(1);
    // Each kommune's topics were created in one request (a kommune is provisioned whole).
    for (const request of fake.requests) {
      const perKommune = new Map<string, number>();
      for (const s of request) perKommune.set(s.topic.split('.')[2], (perKommune.get(s.topic.split('.')[2]) ?? 0) + 1);
      expect([...perKommune.values()].every((n) => n === TOPICS_PER_KOMMUNE)).toBe(true);
    }
    await provisioner.onApplicationShutdown();
  });

  it('keeps at most KAFKA_PROVISION_CONCURRENCY requests in flight, and does use that many', async () => {
    const fake = kraftLikeKafka({ delayMs: 5 });
    // 40 kommuner of 39 records each (5 topics, 3 partitions each, 3 or 4 configs); 100 records a request: 2 kommuner, 20 requests.
    const { provisioner, status } = provisionerFor(kommuner(40), fake.kafka, configOf({ maxRecordsPerRequest: 100, concurrency: 3 }));

    await provisioner.provisionNew();

    expect(fake.requests).toHaveLength(20);
    expect(fake.requests.every((r) => r.length <= 2 * TOPICS_PER_KOMMUNE)).toBe(true);
    expect(fake.maxInFlight()).toBe(3);
    expect(status.unprovisioned()).toEqual([]);
  });

  it('leaves only the kommuner of a refused request unprovisioned, reports them, and retries just those', async () => {
    let refuse = true;
    const fake = kraftLikeKafka({ refuse: (specs) => refuse && specs.some((s) => s.topic.includes('.1005.')) });
    const { provisioner, status, metrics } = provisionerFor(kommuner(10), fake.kafka, configOf({ maxRecordsPerRequest: 78, concurrency: 2 }));

    await provisioner.provisionNew();
    // 78 records = 2 kommuner a request: 1004 and 1005 shared the refused one.
    expect(status.unprovisioned()).toEqual(['1004', '1005']);
    expect((await metrics.registry.getSingleMetric('hendelseslager_kommuner_unprovisioned')!.get()).values[0].value).toBe(2);
    await expect(provisioner.ensure(['1001'])).resolves.toBeUndefined();
    await expect(provisioner.ensure(['1005'])).rejects.toThrow(/1005/);

    refuse = false;
    const before = fake.requests.length;
    await provisioner.provisionNew();
    expect(fake.requests.slice(before).flat().map((s) => s.topic.split('.')[2])).toEqual(Array(2 * TOPICS_PER_KOMMUNE).fill('1004').map((k, i) => (i < TOPICS_PER_KOMMUNE ? k : '1005')));
    expect(status.unprovisioned()).toEqual([]);
  });

  it("tells the process's consumers when it has created topics, and only then", async () => {
    let refuse = true;
    const fake = kraftLikeKafka({ refuse: () => refuse });
    const told = jest.fn();
    SharedTopicList.of(fake.kafka).onChange(told);
    const { provisioner } = provisionerFor(kommuner(2), fake.kafka);

    await provisioner.provisionNew();
    expect(told).not.toHaveBeenCalled();
    refuse = false;
    await provisioner.provisionNew();
    expect(told).toHaveBeenCalledTimes(1);
    await provisioner.provisionNew();
    expect(told).toHaveBeenCalledTimes(1);
  });

  it("creates a kommune's topics with its own partition count from the directory, else KAFKA_TOPIC_PARTITIONS", async () => {
    const fake = kraftLikeKafka();
    const { provisioner } = provisionerFor([...kommuner(1), { kommunenummer: '1151', navn: 'Utsira', herIds: [], partitions: 1 }], fake.kafka);

    await provisioner.provisionNew();

    const partitionsOf = (knr: string) => [...fake.topics.values()].filter((s) => s.topic.includes(`.${knr}.`)).map((s) => s.partitions);
    expect(partitionsOf('1151')).toEqual(Array(TOPICS_PER_KOMMUNE).fill(1));
    expect(partitionsOf('1000')).toEqual(Array(TOPICS_PER_KOMMUNE).fill(3));
  });

  it('does not finish shutting down while topics are still being created', async () => {
    let created!: () => void;
    const requested: TopicSpec[][] = [];
    const kafka = {
      admin: async () => ({
        ensureTopics: (specs: TopicSpec[]) => {
          requested.push(specs);
          return new Promise<void>((resolve) => (created = resolve));
        },
        disconnect: async () => undefined,
      }),
    } as unknown as KafkaPort;
    const { provisioner } = provisionerFor(kommuner(1), kafka);

    provisioner.onApplicationBootstrap();
    await new Promise((r) => setImmediate(r));
    expect(requested).toHaveLength(1);
    let shutDown = false;
    const shutdown = Promise.resolve(provisioner.onApplicationShutdown()).then(() => (shutDown = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(shutDown).toBe(false);
    created();
    await shutdown;
    expect(shutDown).toBe(true);
  });
});

describe('forEachConcurrently', () => {
  it('calls every item once, never more than the limit at a time', async () => {
    const seen: number[] = [];
    let inFlight = 0;
    let max = 0;
    await forEachConcurrently([1, 2, 3, 4, 5, 6, 7], 2, async (n) => {
      inFlight += 1;
      max = Math.max(max, inFlight);
      await new Promise((r) => setTimeout(r, n % 3));
      seen.push(n);
      inFlight -= 1;
    });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(max).toBe(2);
  });
});

describe('ReadinessService with topic provisioning', () => {
  const up = {
    kafka: { admin: async () => ({ ping: async () => undefined, disconnect: async () => undefined }) } as unknown as KafkaPort,
    codec: { ping: async () => undefined } as unknown as AvroCodec,
    dataSource: { isInitialized: true, query: async () => [{ '?column?': 1 }] } as unknown as DataSource,
  };

  it('is not ready while a kommune of the directory has no topics, and lists it by kommunenummer only', async () => {
    const status = new ProvisioningStatus(directoryOf(kommuner(3)), new HubMetrics());
    status.track();
    status.markProvisioned(['1000', '1002']);
    const readiness = new ReadinessService(up.kafka, up.codec, up.dataSource, status);

    const report = await readiness.check();

    expect(report.ready).toBe(false);
    expect(report.checks.topics).toEqual({ ok: false, error: '1 kommune(r) without topics', unprovisioned: ['1001'] });
    expect(report.checks.kafka.ok && report.checks.postgres.ok && report.checks.schemaRegistry.ok).toBe(true);
    status.markProvisioned(['1001']);
    expect(await readiness.check()).toMatchObject({ ready: true, checks: { topics: { ok: true } } });
  });

  it('has no topic check in a process without a provisioner', async () => {
    const status = new ProvisioningStatus(directoryOf(kommuner(3)), new HubMetrics());
    const report = await new ReadinessService(up.kafka, up.codec, up.dataSource, status).check();
    expect(report.ready).toBe(true);
    expect(report.checks.topics).toBeUndefined();
  });
});
