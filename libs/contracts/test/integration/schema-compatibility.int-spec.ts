import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AvroCodec } from '../../src/avro-codec';
import { SCHEMA_FILES, schemasDir } from '../../src/schema-files';
import { TopicNames, type TopicKind } from '../../src/topics.constant';
import { TEST_NAMESPACE, TEST_REGISTRY_URL } from '../../../../test/support/test-env';
import { committedSchemaVersions } from '../schema-history.util';

/**
 * The registry enforces FULL_TRANSITIVE (libs/contracts README says why): for every schema in
 * schemas/, every committed version is registered in order under a fresh subject with that
 * level, then the working-tree version. If a change to schemas/ breaks compatibility with any
 * earlier version, the real registry refuses it and this test fails. A deliberately broken
 * variant proves the registry really enforces the level (not just stores it).
 */
const kinds = Object.keys(SCHEMA_FILES) as TopicKind[];
const history = new Map(kinds.map((k) => [k, committedSchemaVersions(SCHEMA_FILES[k])]));
const inGit = [...history.values()].every((h) => h !== undefined);
if (!inGit) {
  // eslint-disable-next-line no-console -- a skipped check must say why
  console.warn('Registry compatibility against git history skipped: the sources are not a git checkout.');
}

describe('schema registry: FULL_TRANSITIVE against the committed history of schemas/', () => {
  const codec = new AvroCodec(TEST_REGISTRY_URL, new TopicNames(TEST_NAMESPACE));
  const subjects: string[] = [];
  const subject = (kind: string) => {
    const s = `${TEST_NAMESPACE}.compat-${randomUUID().slice(0, 8)}.${kind}-value`;
    subjects.push(s);
    return s;
  };

  afterAll(async () => {
    for (const s of subjects) {
      await fetch(`${TEST_REGISTRY_URL}/subjects/${encodeURIComponent(s)}`, { method: 'DELETE' }).catch(() => undefined);
      await fetch(`${TEST_REGISTRY_URL}/subjects/${encodeURIComponent(s)}?permanent=true`, { method: 'DELETE' }).catch(() => undefined);
    }
  });

  (inGit ? it.each(kinds) : it.skip.each(kinds))('%s: every committed version, then the current one, registers', async (kind) => {
    const s = subject(kind);
    for (const version of history.get(kind)!) await codec.registerSchema(s, kind, version.schema);
    const current = readFileSync(join(schemasDir(), SCHEMA_FILES[kind]), 'utf8');
    await expect(codec.registerSchema(s, kind, current)).resolves.toEqual(expect.any(Number));
    const config = (await (await fetch(`${TEST_REGISTRY_URL}/config/${encodeURIComponent(s)}`)).json()) as { compatibilityLevel?: string; compatibility?: string };
    expect(config.compatibilityLevel ?? config.compatibility).toBe('FULL_TRANSITIVE');
  });

  it('refuses an incompatible change (a new field without a default) on a FULL_TRANSITIVE subject', async () => {
    const s = subject('deadletter');
    const current = readFileSync(join(schemasDir(), SCHEMA_FILES.deadletter), 'utf8');
    await codec.registerSchema(s, 'deadletter', current);
    const parsed = JSON.parse(current) as { fields: unknown[] };
    const broken = JSON.stringify({ ...parsed, fields: [...parsed.fields, { name: 'severity', type: 'string' }] });
    await expect(codec.registerSchema(s, 'deadletter', broken)).rejects.toThrow();
    const optional = JSON.stringify({ ...parsed, fields: [...parsed.fields, { name: 'severity', type: ['null', 'string'], default: null }] });
    await expect(codec.registerSchema(s, 'deadletter', optional)).resolves.toEqual(expect.any(Number));
  });
});
