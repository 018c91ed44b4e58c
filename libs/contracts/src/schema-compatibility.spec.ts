import * as avro from 'avsc';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { committedSchemaVersions } from '../test/schema-history.util';
import { SCHEMA_FILES, schemasDir } from './schema-files';

/**
 * FULL_TRANSITIVE, checked locally with avsc's schema resolution: the working-tree version of
 * every schema in schemas/ must read data written with every committed version (backward) and
 * every committed version must read data written with it (forward). A change that breaks this
 * fails here before it reaches a registry. The registry-level check is
 * test/integration/schema-compatibility.int-spec.ts.
 */
function compatible(reader: string, writer: string): string | undefined {
  try {
    avro.Type.forSchema(JSON.parse(reader)).createResolver(avro.Type.forSchema(JSON.parse(writer)));
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function fullyCompatible(current: string, previous: string): string[] {
  return [
    ['backward (new reads old)', compatible(current, previous)],
    ['forward (old reads new)', compatible(previous, current)],
  ]
    .filter(([, e]) => e !== undefined)
    .map(([direction, e]) => `${direction}: ${e}`);
}

const files = Object.values(SCHEMA_FILES);
const history = new Map(files.map((f) => [f, committedSchemaVersions(f)]));
const inGit = [...history.values()].every((h) => h !== undefined);
if (!inGit) {
  // eslint-disable-next-line no-console -- a skipped check must say why
  console.warn('Schema compatibility against git history skipped: the sources are not a git checkout.');
}

describe('schemas/*.avsc stay FULL_TRANSITIVE compatible with their committed history', () => {
  (inGit ? it.each(files) : it.skip.each(files))('%s', (file) => {
    const current = readFileSync(join(schemasDir(), file), 'utf8');
    const versions = history.get(file)!;
    expect(versions.length).toBeGreaterThan(0);
    const problems = versions.flatMap((v) => fullyCompatible(current, v.schema).map((p) => `${v.commit.slice(0, 8)} ${p}`));
    expect(problems).toEqual([]);
  });

  // Negative controls: the check above must catch the usual mistakes.
  const base = JSON.parse(readFileSync(join(schemasDir(), SCHEMA_FILES.deadletter), 'utf8')) as { fields: Array<Record<string, unknown>> };
  const variant = (change: (fields: Array<Record<string, unknown>>) => Array<Record<string, unknown>>) => JSON.stringify({ ...base, fields: change(base.fields) });

  it.each([
    ['a new field without a default', variant((f) => [...f, { name: 'severity', type: 'string' }])],
    ['a removed field without a default', variant((f) => f.filter((x) => x.name !== 'reason'))],
    ['a changed type', variant((f) => f.map((x) => (x.name === 'sourcePartition' ? { ...x, type: 'string' } : x)))],
    ['a renamed field', variant((f) => f.map((x) => (x.name === 'stage' ? { ...x, name: 'phase' } : x)))],
  ])('rejects %s', (_label, changed) => {
    expect(fullyCompatible(changed, JSON.stringify(base)).length).toBeGreaterThan(0);
  });

  it('accepts a new optional field with a default', () => {
    const changed = variant((f) => [...f, { name: 'severity', type: ['null', 'string'], default: null }]);
    expect(fullyCompatible(changed, JSON.stringify(base))).toEqual([]);
  });
});
