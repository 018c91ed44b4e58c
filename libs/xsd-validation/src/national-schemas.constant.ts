import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The one schema set intake validates against: `schemas/xsd/hub/national-standards.xsd` imports the
 * official XSDs carried unchanged in `schemas/xsd/` (MsgHead 1.2 with PLO 1.5 / 1.6 / 2.0,
 * Henvisning 2.0 and Dialogmelding 1.0 / 1.1 payloads; bare Epikrise 1.0 / 1.1 / 1.2, Henvisning
 * 1.0 / 1.1 and AppRec 1.0 / 1.1), so every supported root and every MsgHead payload is checked
 * against its own standard's declarations. See schemas/xsd/README.md.
 */
export const NATIONAL_SCHEMA_SET = 'hub/national-standards.xsd';

/** The worker script (plain ESM, see its header). */
const WORKER_FILE = 'libs/xsd-validation/worker/xsd-validation.worker.mjs';

/** The repository root, found from this file both in sources (libs/…/src) and in dist (dist/libs/…/src). */
export function repositoryRoot(): string {
  for (const candidate of [resolve(__dirname, '../../..'), resolve(__dirname, '../../../..'), process.cwd()]) {
    if (existsSync(resolve(candidate, WORKER_FILE)) && existsSync(resolve(candidate, 'schemas/xsd', NATIONAL_SCHEMA_SET))) return candidate;
  }
  throw new Error(`${WORKER_FILE} and schemas/xsd/${NATIONAL_SCHEMA_SET} not found next to the application`);
}

export function nationalSchemaPath(root = repositoryRoot()): string {
  return resolve(root, 'schemas/xsd', NATIONAL_SCHEMA_SET);
}

export function workerPath(root = repositoryRoot()): string {
  return resolve(root, WORKER_FILE);
}

/** The namespaces the schema set declares (each import of the wrapper): payloads in any other namespace have no official schema here. */
export function schemaSetNamespaces(schemaPath: string): ReadonlySet<string> {
  const text = readFileSync(schemaPath, 'utf8');
  return new Set([...text.matchAll(/<xs:import\s+namespace="([^"]+)"/g)].map((m) => m[1]));
}
