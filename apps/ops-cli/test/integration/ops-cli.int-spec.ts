import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { AvroCodec, RawMessageRecord, sha256Hex, TopicNames } from '@hub/contracts';
import { KafkajsAdapter } from '@hub/kafka';
import { createRng, randomMessage } from '@hub/testing';
import { CliRun, runCli } from '../../../../test/support/app-process';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS, TEST_NAMESPACE, TEST_REGISTRY_URL } from '../../../../test/support/test-env';

/**
 * The compiled `hendelseslager` CLI (bin/hendelseslager.js after `npm run build`) against the
 * real stack: onboarding provisions topics with the configured partitions and retention and
 * registers the kommune; every ops command answers --json, --help, and a clear message with a
 * distinct non-zero exit status on error.
 */
const dir = mkdtempSync(join(tmpdir(), 'ops-cli-'));
const directoryPath = join(dir, 'directory.yaml');
const env = {
  ...process.env,
  NODE_ENV: 'test',
  DATABASE_URL: TEST_DATABASE_URL,
  KAFKA_BROKERS: TEST_KAFKA_BROKERS,
  SCHEMA_REGISTRY_URL: TEST_REGISTRY_URL,
  HENDELSESLAGER_NAMESPACE: TEST_NAMESPACE,
  HENDELSESLAGER_DIRECTORY: directoryPath,
  HENDELSESLAGER_DEV_ISSUER: 'true',
  HENDELSESLAGER_DEV_ISSUER_KEY: join(dir, 'key.json'),
  // The public development key is refused outside NODE_ENV=development.
  HENDELSESLAGER_PSEUDONYM_KEY: 'test-pseudonym-key-0123456789',
  KAFKA_TOPIC_PARTITIONS: '2',
  LOG_LEVEL: 'warn',
};

function cli(...args: string[]): Promise<CliRun> {
  return cliWith(() => undefined, ...args);
}

function cliWith(started: (child: ChildProcess) => void, ...args: string[]): Promise<CliRun> {
  return runCli(env, args, started);
}

describe('hendelseslager CLI', () => {
  beforeAll(() => {
    writeFileSync(directoryPath, 'kommuner:\n  - kommunenummer: "9930"\n    navn: Førstevik\n    herIds: [8830001]\n');
  });

  it('kommune add provisions topics from config (partitions, never-expiring retention) and registers the kommune', async () => {
    const added = await cli('--json', 'kommune', 'add', '9931', '--navn', 'Clivik', '--her-ids', '8831001,8831002');
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toEqual({ kommunenummer: '9931', navn: 'Clivik', herIds: ['8831001', '8831002'], created: true });
    expect(readFileSync(directoryPath, 'utf8')).toContain('9931');

    const kafka = new Kafka({ clientId: 'hltest-ops-cli', brokers: TEST_KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const names = ['raw', 'events', 'deadletter', 'audit'].map((k) => `${TEST_NAMESPACE}.kommune.9931.${k}.v1`);
      const metadata = await admin.fetchTopicMetadata({ topics: names });
      expect(metadata.topics.map((t) => t.partitions.length)).toEqual([2, 2, 2, 2]);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms', 'retention.bytes'] })),
      });
      for (const resource of configs.resources) {
        const value = (n: string) => resource.configEntries.find((e) => e.configName === n)?.configValue;
        expect([resource.resourceName, value('retention.ms'), value('retention.bytes')]).toEqual([resource.resourceName, '-1', '-1']);
      }
    } finally {
      await admin.disconnect();
    }

    const listed = await cli('kommune', 'list', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((k: { kommunenummer: string }) => k.kommunenummer)).toEqual(['9930', '9931']);
    const again = await cli('--json', 'kommune', 'add', '9931', '--navn', 'Clivik', '--her-ids', '8831003');
    expect(JSON.parse(again.stdout)).toMatchObject({ created: false });
    expect(readFileSync(directoryPath, 'utf8')).toMatch(/8831003/);
  });

  it('status, dlq list, replay and rebuild answer --json on a fresh kommune', async () => {
    const status = await cli('status', '--kommune', '9931', '--json');
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.stdout);
    expect(parsed.namespace).toBe(TEST_NAMESPACE);
    expect(parsed.projection.activeSchema).toMatch(/^readmodel_g\d+$/);
    expect(parsed.kommuner).toEqual([
      expect.objectContaining({ kommunenummer: '9931', navn: 'Clivik', inDirectory: true, topicsProvisioned: true, rawRecords: 0, deadLetters: 0, lastEventRecordedAt: null }),
    ]);
    expect(parsed.kommuner[0].lag.map((l: { group: string }) => l.group)).toEqual([`${TEST_NAMESPACE}.normalizer`, expect.stringContaining(`${TEST_NAMESPACE}.projector.readmodel`)]);

    const dlq = await cli('--json', 'dlq', 'list', '--kommune', '9931');
    expect([dlq.code, JSON.parse(dlq.stdout)]).toEqual([0, []]);

    const replay = await cli('--json', 'replay', '--kommune', '9931', '--from-timestamp', '2020-01-01T00:00:00Z');
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ kommunenummer: '9931', completed: true, records: 0 });

    const text = await cli('status');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/9931 Clivik/);
    expect(text.stdout).toMatch(/lag +0 +hltest/);

    const rebuilt = await cli('--json', 'rebuild');
    expect(rebuilt.code).toBe(0);
    const result = JSON.parse(rebuilt.stdout);
    expect(result).toMatchObject({ status: 'switched', kommuner: 'all' });
    const after = JSON.parse((await cli('--json', 'status')).stdout);
    expect(after.projection.activeSchema).toBe(result.targetSchema);
  });

  it.each([
    [['replay', '--kommune', '9931'], 2, /exactly one of --from-beginning/],
    [['replay', '--from-beginning'], 2, /--kommune <kommunenummer> is required/],
    [['replay', '--kommune', '9939', '--from-beginning'], 3, /does not exist/],
    [['replay', '--kommune', '9931', '--resume'], 3, /No unfinished replay/],
    [['replay', '--kommune', '9931', '--from-offset', 'x:1'], 2, /not <offset> or <partition>:<offset>/],
    [['dlq', 'show', 'no-such-id', '--kommune', '9931'], 3, /No dead letter no-such-id/],
    [['dlq', 'redrive', '--kommune', '9931'], 2, /Name dead letter ids, or give --all/],
    [['rebuild', '--abort'], 3, /No rebuild is under way/],
    [['rebuild', '--keep', '0'], 2, /--keep/],
  ])('%j exits %i with a clear message', async (args, code, message) => {
    const result = await cli(...(args as string[]));
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message as RegExp);
    expect(result.stdout).toBe('');
    const json = await cli('--json', ...(args as string[]));
    expect(json.code).toBe(code);
    expect(JSON.parse(json.stderr.trim().split('\n').at(-1)!)).toEqual({ error: expect.stringMatching(message as RegExp) });
  });

  it.each([['replay'], ['rebuild'], ['dlq', 'list'], ['dlq', 'show'], ['dlq', 'redrive'], ['status'], ['kommune', 'add']])('%j --help', async (...args) => {
    const result = await cli(...args, '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: hendelseslager/);
  });

  it('Ctrl-C (SIGINT) stops a replay after its batch with exit 130; --resume finishes exactly the rest', async () => {
    const total = 12000;
    const topics = new TopicNames(TEST_NAMESPACE);
    const topic = topics.raw('9931');
    const codec = new AvroCodec(TEST_REGISTRY_URL, topics);
    const producer = await new KafkajsAdapter({ brokers: TEST_KAFKA_BROKERS.split(','), clientId: 'hltest-ops-cli-load' }).producer();
    const rng = createRng(99);
    try {
      for (let i = 0; i < total; i += 500) {
        const records = [];
        for (let j = 0; j < 500; j++) {
          const m = randomMessage(rng);
          const raw: RawMessageRecord = {
            hubMessageId: randomUUID(), kommunenummer: '9931', receivedAt: Date.now(), gatewayClient: 'load', msgId: randomUUID(), msgType: 'X', standard: 'X', standardVersion: 'X',
            senderHerIds: [], receiverHerIds: [], patientPseudonym: null, contentType: 'application/xml', declaredEncoding: null, sha256: sha256Hex(m.bytes), sizeBytes: m.bytes.length, payload: m.bytes, transport: null,
          };
          records.push({ key: `k${(i + j) % 97}`, value: await codec.encode(topic, raw) });
        }
        await producer.send(topic, records);
      }
    } finally {
      await producer.disconnect();
    }

    const db = new Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    let interruptedAt = 0;
    try {
      const first = await cliWith((child) => {
        // SIGINT once the first batch's progress is stored, as an operator pressing Ctrl-C would.
        const check = async (): Promise<void> => {
          const rows = await db.query(`SELECT 1 FROM ops_replay_progress p JOIN ops_replay_runs r ON r.id = p.run_id WHERE r.kommunenummer = '9931' AND r.status = 'running' AND p.next_offset > p.start_offset`).catch(() => ({ rows: [] }));
          if (rows.rows.length > 0 && !interruptedAt) {
            interruptedAt = Date.now();
            clearInterval(poll);
            child.kill('SIGINT');
          }
        };
        const poll = setInterval(() => void check(), 20);
        child.once('exit', () => clearInterval(poll));
      }, '--json', 'replay', '--kommune', '9931', '--from-beginning');
      expect(interruptedAt).toBeGreaterThan(0);
      expect(first.code).toBe(130);
      expect(first.stderr).toMatch(/interrupted; progress is stored\. Resume with: hendelseslager replay --kommune 9931 --resume/);
      const partial = JSON.parse(first.stdout);
      expect(partial.completed).toBe(false);
      expect(partial.records).toBeGreaterThan(0);
      expect(partial.records).toBeLessThan(total);

      const rest = await cli('--json', 'replay', '--kommune', '9931', '--resume');
      expect(rest.code).toBe(0);
      const done = JSON.parse(rest.stdout);
      expect(done).toMatchObject({ runId: partial.runId, resumed: true, completed: true });
      expect(partial.records + done.records).toBe(total);
      expect(partial.events + partial.deadLetters + done.events + done.deadLetters).toBe(total);
    } finally {
      await db.end();
    }
  });
});
