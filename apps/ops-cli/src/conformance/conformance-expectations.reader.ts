import { parse } from 'yaml';

/** What a file must get from the hub: an AppRec OK (accept) or a refusal (reject). */
export type Verdict = 'accept' | 'reject';

export interface Expectations {
  /** Paths relative to DIR (with `/`), in the file's order: the order the runner posts them in. */
  files: Array<{ path: string; expected: Verdict }>;
  /** Paths or patterns (relative to DIR) of files that are not posted at all. */
  exclude: string[];
}

export class ExpectationsException extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpectationsException';
  }
}

/**
 * Reads an expectations file (YAML):
 *
 * ```yaml
 * exclude: [ebxml]                 # optional: folders, files or patterns (*, **) not to post
 * files:                           # path relative to DIR: accept | reject, posted in this order
 *   plo/1_6/x/Ny.xml: accept
 *   broken/not-well-formed.xml: reject
 * ```
 */
export function parseExpectations(text: string): Expectations {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new ExpectationsException(`not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  if (!isRecord(doc)) throw new ExpectationsException("expected a mapping with 'files' (path: accept | reject)");
  const unknown = Object.keys(doc).filter((k) => k !== 'files' && k !== 'exclude');
  if (unknown.length > 0) throw new ExpectationsException(`unknown key ${unknown.map((k) => `'${k}'`).join(', ')} (only 'files' and 'exclude')`);
  if (!isRecord(doc.files)) throw new ExpectationsException("'files' must be a mapping of path: accept | reject");
  const files: Expectations['files'] = [];
  const seen = new Set<string>();
  for (const [rawPath, value] of Object.entries(doc.files)) {
    const path = normalizeRelativePath(rawPath);
    if (value !== 'accept' && value !== 'reject') throw new ExpectationsException(`${rawPath}: expected accept or reject, not ${JSON.stringify(value)}`);
    if (seen.has(path)) throw new ExpectationsException(`${rawPath} is listed twice`);
    seen.add(path);
    files.push({ path, expected: value });
  }
  const exclude = doc.exclude ?? [];
  if (!Array.isArray(exclude) || exclude.some((e) => typeof e !== 'string' || e.trim() === '')) throw new ExpectationsException("'exclude' must be a list of paths or patterns");
  return { files, exclude: (exclude as string[]).map(normalizeRelativePath) };
}

/** A path relative to DIR, with `/` as separator; absolute paths and `..` are refused. */
export function normalizeRelativePath(raw: string): string {
  const path = raw.trim().replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
  if (path === '' || path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.split('/').includes('..')) {
    throw new ExpectationsException(`${JSON.stringify(raw)}: paths must be relative to DIR, without '..'`);
  }
  return path;
}

/**
 * Whether a path (relative to DIR) is excluded by a pattern: a folder or file path excludes
 * itself and everything under it; `*` matches within one path segment, `**` across segments.
 */
export function isExcluded(path: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => patternRegExp(pattern).test(path));
}

function patternRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}(?:/.*)?$`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
