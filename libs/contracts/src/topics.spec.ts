import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadSchema, SCHEMA_FILES, schemasDir } from './schema-files';
import { kommuneTopicSpecs } from './topic-specs';
import { assertKommunenummer, TopicNames } from './topics.constant';

const TOPICS = new TopicNames();

describe('topic names', () => {
  it('names each kind of topic per kommune, under the namespace', () => {
    expect(TOPICS.namespace).toBe('hendelseslager');
    expect(TOPICS.all('3428')).toEqual([
      'hendelseslager.kommune.3428.raw.v1', 'hendelseslager.kommune.3428.events.v1', 'hendelseslager.kommune.3428.deadletter.v1', 'hendelseslager.kommune.3428.audit.v1',
      'hendelseslager.kommune.3428.conflicts.v1',
    ]);
    const test = new TopicNames('hltest-a1');
    expect(test.namespace).toBe('hltest-a1');
    expect([test.raw('0301'), test.events('0301'), test.deadletter('0301'), test.audit('0301'), test.conflicts('0301')]).toEqual([
      'hltest-a1.kommune.0301.raw.v1', 'hltest-a1.kommune.0301.events.v1', 'hltest-a1.kommune.0301.deadletter.v1', 'hltest-a1.kommune.0301.audit.v1', 'hltest-a1.kommune.0301.conflicts.v1',
    ]);
    expect([test.normalizerGroup(), test.projectorGroup('clinical'), test.opsGroup('replay.x')]).toEqual(['hltest-a1.normalizer', 'hltest-a1.projector.clinical', 'hltest-a1.ops.replay.x']);
    // Two namespaces in one process do not disturb each other.
    expect(TOPICS.raw('0301')).toBe('hendelseslager.kommune.0301.raw.v1');
  });

  it('refuses a kommunenummer that is not four digits, for every kind', () => {
    expect(assertKommunenummer('0301')).toBe('0301');
    for (const bad of ['301', '03011', 'x301', '030x', '', ' 0301']) {
      expect(() => assertKommunenummer(bad)).toThrow(`Invalid kommunenummer '${bad}' (expected 4 digits)`);
      for (const kind of ['raw', 'events', 'deadletter', 'audit', 'conflicts'] as const) expect(() => TOPICS[kind](bad)).toThrow();
      expect(() => TOPICS.all(bad)).toThrow();
    }
  });

  it('refuses a namespace that is not a lower-case name of at most 31 characters', () => {
    expect(new TopicNames(`a${'b'.repeat(30)}`).namespace).toBe(`a${'b'.repeat(30)}`);
    for (const bad of ['', '1abc', 'Abc', 'a.b', 'a_b', `a${'b'.repeat(31)}`, ' abc', 'abc ']) {
      expect(() => new TopicNames(bad)).toThrow(`Invalid topic namespace '${bad}'`);
    }
  });

  it('parses only the hub\'s own topics of its own namespace', () => {
    expect(TOPICS.parse('hendelseslager.kommune.3428.events.v1')).toEqual({ kommunenummer: '3428', kind: 'events' });
    expect(TOPICS.parse('hendelseslager.kommune.3428.deadletter.v1')).toEqual({ kommunenummer: '3428', kind: 'deadletter' });
    expect(TOPICS.parse('hendelseslager.kommune.0301.conflicts.v1')).toEqual({ kommunenummer: '0301', kind: 'conflicts' });
    for (const other of ['hendelseslager.kommune.3428.events.v2', 'xhendelseslager.kommune.3428.events.v1', 'hendelseslager.kommune.3428.events.v1x', 'hendelseslager.kommune.342.raw.v1', 'hendelseslager.kommune.3428.other.v1', 'hendelseslagerXkommune.3428.raw.v1']) {
      expect(TOPICS.parse(other)).toBeUndefined();
    }
    expect(new TopicNames('other').parse('hendelseslager.kommune.3428.events.v1')).toBeUndefined();
    expect(new TopicNames('other').parse('other.kommune.3428.events.v1')).toEqual({ kommunenummer: '3428', kind: 'events' });
  });

  it('matches one kind across all kommuner for pattern subscriptions', () => {
    const events = TOPICS.pattern('events');
    expect(['hendelseslager.kommune.3428.events.v1', 'hendelseslager.kommune.0301.events.v1'].every((t) => events.test(t))).toBe(true);
    for (const other of ['hendelseslager.kommune.3428.raw.v1', 'hendelseslager.kommune.3428.events.v1.x', 'x.hendelseslager.kommune.3428.events.v1', 'hendelseslagerXkommuneX3428XeventsXv1', 'hendelseslager.kommune.34a8.events.v1', 'other.kommune.3428.events.v1']) {
      expect(events.test(other)).toBe(false);
    }
  });
});

describe('kommuneTopicSpecs', () => {
  it('keeps every topic forever and lets raw, events, dead letters and MsgId conflicts hold 25 MB messages', () => {
    const specs = kommuneTopicSpecs(TOPICS, '3428', { kafka: { partitions: 6, replicationFactor: 3 } });
    const forever = { 'retention.ms': '-1', 'retention.bytes': '-1', 'min.insync.replicas': '2' };
    const large = { 'max.message.bytes': String(25 * 1024 * 1024) };
    expect(specs).toEqual([
      { topic: TOPICS.raw('3428'), partitions: 6, replicationFactor: 3, config: { ...forever, ...large } },
      { topic: TOPICS.events('3428'), partitions: 6, replicationFactor: 3, config: { ...forever, ...large } },
      { topic: TOPICS.deadletter('3428'), partitions: 6, replicationFactor: 3, config: { ...forever, ...large } },
      { topic: TOPICS.audit('3428'), partitions: 6, replicationFactor: 3, config: forever },
      { topic: TOPICS.conflicts('3428'), partitions: 6, replicationFactor: 3, config: { ...forever, ...large } },
    ]);
    expect(large['max.message.bytes']).toBe('26214400');
  });

  it('asks for no more in-sync replicas than there are, and takes a configured retention', () => {
    const single = kommuneTopicSpecs(TOPICS, '3428', { kafka: { partitions: 1, replicationFactor: 1, retentionMs: 1000 } });
    expect(single[0].config).toMatchObject({ 'retention.ms': '1000', 'min.insync.replicas': '1' });
  });
});

describe('schema files', () => {
  it('finds schemas/ next to the sources whatever the working directory', () => {
    const cwd = process.cwd();
    const here = schemasDir();
    try {
      process.chdir(tmpdir());
      expect(schemasDir()).toBe(here);
    } finally {
      process.chdir(cwd);
    }
  });

  it('finds schemas/ from the build\'s folder and from the working directory, and says so when it is nowhere', () => {
    const root = mkdtempSync(join(tmpdir(), 'schemas-dir-'));
    try {
      const built = join(root, 'installed/dist/libs/contracts/src');
      mkdirSync(built, { recursive: true });
      mkdirSync(join(root, 'installed/schemas'));
      writeFileSync(join(root, 'installed/schemas/raw-message.avsc'), '{}');
      expect(schemasDir(built, join(root, 'elsewhere'))).toBe(join(root, 'installed/schemas'));

      const moduleOnly = join(root, 'bundle/a/b/c/d');
      mkdirSync(moduleOnly, { recursive: true });
      mkdirSync(join(root, 'cwd/schemas'), { recursive: true });
      writeFileSync(join(root, 'cwd/schemas/raw-message.avsc'), '{}');
      expect(schemasDir(moduleOnly, join(root, 'cwd'))).toBe(join(root, 'cwd/schemas'));

      // A folder without the raw schema is not the schemas folder.
      mkdirSync(join(root, 'empty/schemas'), { recursive: true });
      expect(() => schemasDir(moduleOnly, join(root, 'empty'))).toThrow('schemas/ folder not found next to the application');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('finds schemas/ and loads the schema of each kind of topic', () => {
    expect(readFileSync(resolve(schemasDir(), 'raw-message.avsc'), 'utf8')).toBe(loadSchema('raw'));
    expect(SCHEMA_FILES).toEqual({ raw: 'raw-message.avsc', events: 'document-event.avsc', deadletter: 'dead-letter.avsc', audit: 'audit-event.avsc', conflicts: 'msgid-conflict.avsc' });
    for (const kind of ['raw', 'events', 'deadletter', 'audit', 'conflicts'] as const) {
      const schema = JSON.parse(loadSchema(kind));
      expect(schema.type).toBe('record');
      expect(typeof schema.name).toBe('string');
      expect(schema.name.length).toBeGreaterThan(0);
    }
  });
});
