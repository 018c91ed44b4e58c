import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TopicKind } from './topics.constant';

/** Which schema file describes the values of each kind of topic. */
export const SCHEMA_FILES: Record<TopicKind, string> = {
  raw: 'raw-message.avsc',
  events: 'document-event.avsc',
  deadletter: 'dead-letter.avsc',
  audit: 'audit-event.avsc',
  conflicts: 'msgid-conflict.avsc',
};

/**
 * The repository's `schemas/` folder, found from this file both in sources
 * (`libs/contracts/src/`) and in the build (`dist/libs/contracts/src/`), else under the working
 * directory (an installation that ships only the build and `schemas/`).
 */
export function schemasDir(moduleDir: string = __dirname, workingDir: string = process.cwd()): string {
  for (const candidate of [resolve(moduleDir, '../../../schemas'), resolve(moduleDir, '../../../../schemas'), resolve(workingDir, 'schemas')]) {
    try {
      readFileSync(resolve(candidate, SCHEMA_FILES.raw));
      return candidate;
    } catch {
      // try the next layout
    }
  }
  throw new Error('schemas/ folder not found next to the application');
}

export function loadSchema(kind: TopicKind): string {
  return readFileSync(resolve(schemasDir(), SCHEMA_FILES[kind]), 'utf8');
}
