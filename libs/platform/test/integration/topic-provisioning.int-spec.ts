import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { HubConfig } from '@hub/config';
import { TopicNames } from '@hub/contracts';
import { KommuneDirectory } from '@hub/directory';
import { KafkajsAdapter, KafkaPort, KRAFT_MAX_RECORDS_PER_REQUEST } from '@hub/kafka';
import { HubMetrics } from '@hub/observability';
import { ProvisioningStatus, TopicProvisioner } from '@hub/platform';
import { TEST_KAFKA_BROKERS, TEST_NAMESPACE } from '../../../../test/support/test-env';

/**
 * Topic provisioning of many kommuner against the real broker (#15). The broker is shared, so no
 * test here creates a national directory's 1,428 topics: the first shows, with requests Kafka
 * refuses before creating anything, the limit the provisioner must stay under; the second runs
 * the provisioner with KAFKA_PROVISION_MAX_RECORDS lowered so that 12 kommuner need several
 * requests, as 357 kommuner need three at the default.
 */
const brokers = TEST_KAFKA_BROKERS.split(',');

describe('Topic provisioning against the real broker', () => {
  const TOPICS = new TopicNames(TEST_NAMESPACE);
  const raw = new Kafka({ clientId: 'hltest-provisioning', brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const admin = raw.admin();

  beforeAll(async () => {
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  it('the KRaft controller refuses one CreateTopics request of more than 10,000 metadata records whole, however the records are spread', async () => {
    // Two topics of 5,000 partitions: 2 topic records + 10,000 partition records. Each alone is fine.
    const topics = [1, 2].map((i) => ({ topic: `${TEST_NAMESPACE}.toolarge.${i}`, numPartitions: 5000, replicationFactor: 1 }));
    let refusal: unknown;
    try {
      await admin.createTopics({ topics, waitForLeaders: false });
    } catch (error) {
      refusal = error;
    }
    // Kafka 4.3 answers POLICY_VIOLATION for every topic of the request; its log says why:
    // "BoundedListTooLongException ... would exceed the maximum length of 10000".
    expect((refusal as { errors?: Array<{ type: string }> }).errors?.map((e) => e.type)).toEqual(['POLICY_VIOLATION', 'POLICY_VIOLATION']);
    const existing = await admin.listTopics();
    expect(existing.filter((t) => t.includes('.toolarge.'))).toEqual([]);
    expect(KRAFT_MAX_RECORDS_PER_REQUEST).toBe(10000);
  });

  it('provisions a directory too large for one request (as lowered here) in several, every kommune with its own partitions and configs, and readiness then lists none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'provisioning-'));
    const file = join(dir, 'directory.yaml');
    const numbers = Array.from({ length: 12 }, (_, i) => String(9100 + i));
    writeFileSync(
      file,
      `kommuner:\n${numbers.map((k, i) => `  - { kommunenummer: "${k}", navn: K${k}, herIds: [], ${i % 3 === 0 ? 'partitions: 2' : 'partitions: 1'} }`).join('\n')}\n`,
    );
    const directory = new KommuneDirectory(file, 0);
    const metrics = new HubMetrics();
    const status = new ProvisioningStatus(directory, metrics);
    // A 1-partition kommune is 4 topics x 2 + 15 config records = 23; 50 records a request = 2 kommuner.
    const config = { kafka: { partitions: 3, replicationFactor: 1, retentionMs: -1, provisioning: { maxRecordsPerRequest: 50, concurrency: 3 } } } as unknown as HubConfig;
    const requests: number[] = [];
    const kafka = new KafkajsAdapter({ brokers, clientId: 'hltest-provisioner' });
    const counting: KafkaPort = {
      producer: () => kafka.producer(),
      consumer: (o) => kafka.consumer(o),
      admin: async () => {
        const a = await kafka.admin();
        return Object.assign(Object.create(a) as typeof a, {
          ensureTopics: (specs: Parameters<typeof a.ensureTopics>[0]) => {
            requests.push(specs.length);
            return a.ensureTopics(specs);
          },
          disconnect: () => a.disconnect(),
        });
      },
    };
    const provisioner = new TopicProvisioner(config, counting, directory, status, TOPICS);
    expect(status.unprovisioned()).toEqual(numbers);

    const started = Date.now();
    await provisioner.provisionNew();
    const elapsed = Date.now() - started;
    await provisioner.onApplicationShutdown();

    expect(status.unprovisioned()).toEqual([]);
    expect(requests.length).toBeGreaterThan(1);
    const metadata = await admin.fetchTopicMetadata({ topics: numbers.flatMap((k) => [TOPICS.raw(k), TOPICS.events(k), TOPICS.deadletter(k), TOPICS.audit(k)]) });
    const partitionsOf = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
    numbers.forEach((k, i) => expect(partitionsOf.get(TOPICS.raw(k))).toBe(i % 3 === 0 ? 2 : 1));
    expect(partitionsOf.size).toBe(48);
    const configs = await admin.describeConfigs({ resources: [{ type: 2, name: TOPICS.raw(numbers[5]) }], includeSynonyms: false });
    const entries = new Map(configs.resources[0].configEntries.map((e) => [e.configName, e.configValue]));
    expect([entries.get('retention.ms'), entries.get('max.message.bytes')]).toEqual(['-1', String(25 * 1024 * 1024)]);
    expect((await metrics.registry.getSingleMetric('hendelseslager_kommuner_unprovisioned')!.get()).values[0].value).toBe(0);
    // Printed for bench/RESULTS.md: the real broker's time for these requests.
    console.log(`provisioned 12 kommuner (48 topics) in ${requests.length} requests, ${elapsed} ms`);
  });
});
