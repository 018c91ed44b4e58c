import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FhirResource } from './fhir-mapper';

/** The conformance resource types the hub serves from `structure-definitions/` (read and search). */
export const CONFORMANCE_TYPES = ['StructureDefinition', 'CodeSystem', 'ValueSet'] as const;
export type ConformanceType = (typeof CONFORMANCE_TYPES)[number];

const DIR_IN_REPOSITORY = 'libs/fhir/structure-definitions';

/**
 * The directory, found from this file both in sources (libs/fhir/src) and in dist
 * (dist/libs/fhir/src), else under the working directory (an installation that ships only the
 * build and the directory).
 */
export function conformanceResourcesDir(moduleDir: string = __dirname, workingDir: string = process.cwd()): string {
  for (const candidate of [resolve(moduleDir, '../structure-definitions'), resolve(moduleDir, '../../../..', DIR_IN_REPOSITORY), resolve(workingDir, DIR_IN_REPOSITORY)]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${DIR_IN_REPOSITORY} not found next to the application`);
}

/**
 * The project's own extensions, profiles, code systems and value sets, as served at
 * `/fhir/{knr}/{type}/{id}`: loaded once, immutable (they are part of the API contract and
 * change only with a release). Files are `<resourceType>-<id>.json`; a file whose name does not
 * agree with its content is an error at start, not a resource served under the wrong id.
 */
export class ConformanceResources {
  private readonly byKey = new Map<string, FhirResource>();

  constructor(dir = conformanceResourcesDir()) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const resource = JSON.parse(readFileSync(join(dir, file), 'utf8')) as FhirResource;
      if (`${resource.resourceType}-${resource.id}.json` !== file) throw new Error(`${file}: resourceType and id do not match the file name`);
      this.byKey.set(`${resource.resourceType}/${resource.id}`, Object.freeze(resource));
    }
  }

  read(type: ConformanceType, id: string): FhirResource | undefined {
    return this.byKey.get(`${type}/${id}`);
  }

  /** Every resource of `type` matching all given criteria (`_id`, `url`, and for StructureDefinition `type`), sorted by id. */
  search(type: ConformanceType, criteria: { _id?: string[]; url?: string[]; type?: string[] }): FhirResource[] {
    const matches = (values: string[] | undefined, actual: unknown) => !values?.length || values.includes(String(actual));
    return [...this.byKey.values()]
      .filter((r) => r.resourceType === type && matches(criteria._id, r.id) && matches(criteria.url, r.url) && matches(criteria.type, r.type))
      .sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1));
  }
}
