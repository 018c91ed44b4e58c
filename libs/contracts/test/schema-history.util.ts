import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { schemasDir } from '../src/schema-files';

/** One committed version of a schema file. */
export interface SchemaVersion {
  commit: string;
  schema: string;
}

/**
 * Test support (not part of the library API). Every committed version of a schema file, oldest first (from `git log`), for the compatibility
 * tests. Returns undefined when the sources are not a git checkout (e.g. a release tarball), so
 * callers can skip with a clear message instead of passing silently.
 */
export function committedSchemaVersions(file: string): SchemaVersion[] | undefined {
  const dir = schemasDir();
  const root = gitRoot(dir);
  if (!root) return undefined;
  const path = relative(root, join(dir, file)).split('\\').join('/');
  // A copy of the sources inside an ignored folder of another checkout (Stryker's sandbox in
  // .stryker-tmp/) is not that checkout: its files have no history there.
  if (isIgnored(root, path)) return undefined;
  const commits = execFileSync('git', ['log', '--format=%H', '--follow', '--', path], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .reverse();
  return commits.map((commit) => ({ commit, schema: execFileSync('git', ['show', `${commit}:${path}`], { cwd: root, encoding: 'utf8' }) }));
}

function isIgnored(root: string, path: string): boolean {
  try {
    execFileSync('git', ['check-ignore', '-q', '--', path], { cwd: root, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function gitRoot(dir: string): string | undefined {
  let current = resolve(dir);
  for (;;) {
    if (existsSync(join(current, '.git'))) return current;
    const parent = resolve(current, '..');
    if (parent === current) return undefined;
    current = parent;
  }
}
