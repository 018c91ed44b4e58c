import { ReadApiException, ReadApiExceptionCode } from './read-api.exception';
import { condition, encounterResources, episodeOfCare, FhirResource, MappedResource, PatientReference } from '@hub/fhir';
import type { PatientOverview } from '@hub/projections';

export type SearchableResource = 'EpisodeOfCare' | 'Condition' | 'Encounter';
export const SEARCHABLE_RESOURCES: SearchableResource[] = ['EpisodeOfCare', 'Condition', 'Encounter'];

/** A FHIR search as the read API understands it (also what a page token carries, sealed). */
export interface SearchParameters {
  identifierToken: string;
  status: string[];
  date: string[];
  count: number;
  offset: number;
  /** `_revinclude=Provenance:target`: add the Provenance of every matched resource. */
  revincludeProvenance: boolean;
}

/** A search the API cannot run as asked (answered 400 with an OperationOutcome). */
export class SearchParameterException extends ReadApiException {
  constructor(message: string) {
    super(ReadApiExceptionCode.INVALID_SEARCH, message);
  }
}

export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 200;
const DATE_PARAM = /^(eq|ne|gt|lt|ge|le|sa|eb)?(\d{4}(-\d{2}(-\d{2})?)?)$/;
export const SEARCH_PARAMETER_NAMES = ['patient.identifier', 'status', 'date', '_count', '_revinclude', '_page', '_format'] as const;
const SUPPORTED = new Set<string>(SEARCH_PARAMETER_NAMES);

/**
 * Reads FHIR search parameters from a query string or a form body (repeated keys and
 * comma-separated values allowed). Unknown parameters are refused rather than ignored, so a
 * client never mistakes an unfiltered answer for a filtered one.
 */
export function readSearchParameters(params: Record<string, unknown>): SearchParameters {
  const list = (name: string): string[] => {
    const raw = params[name];
    const values = Array.isArray(raw) ? raw.map(String) : raw === undefined ? [] : [String(raw)];
    return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  };
  // Answers name positions, never what was sent: a parameter name or value may be an identifier.
  const unknown = Object.keys(params).findIndex((k) => !SUPPORTED.has(k));
  if (unknown >= 0) throw new SearchParameterException(`Unsupported search parameter at position ${unknown + 1}; supported: ${SEARCH_PARAMETER_NAMES.join(', ')}`);
  const identifier = list('patient.identifier');
  if (identifier.length !== 1) throw new SearchParameterException('Exactly one patient.identifier (system|value) is required');
  list('date').forEach((d, index) => {
    if (!DATE_PARAM.test(d)) throw new SearchParameterException(`date value ${index + 1} is not supported: an optional prefix (eq, ne, gt, lt, ge, le, sa, eb) and yyyy, yyyy-mm or yyyy-mm-dd`);
  });
  const count = list('_count')[0] ?? String(DEFAULT_COUNT);
  if (!/^\d+$/.test(count)) throw new SearchParameterException('_count must be a non-negative integer');
  const revinclude = list('_revinclude');
  if (revinclude.some((r) => r !== 'Provenance:target')) throw new SearchParameterException('Only _revinclude=Provenance:target is supported');
  return {
    identifierToken: identifier[0],
    status: list('status'),
    date: list('date'),
    count: Math.min(Number(count), MAX_COUNT),
    offset: 0,
    revincludeProvenance: revinclude.length > 0,
  };
}

/** The resources of one type for a patient overview, each with its source messages. */
export function resourcesFor(type: SearchableResource, overview: PatientOverview, patient: PatientReference): MappedResource[] {
  switch (type) {
    case 'EpisodeOfCare':
      return overview.services.map((s) => ({ resource: episodeOfCare(s, patient), sources: s.sources }));
    case 'Condition':
      return overview.diagnoses.map((d) => ({ resource: condition(d, patient), sources: d.sources }));
    case 'Encounter':
      return encounterResources(overview.timeline, patient);
  }
}

/** Applies `status` and `date` (against period, onset/abatement or recordedDate). */
export function filterResources(resources: MappedResource[], params: Pick<SearchParameters, 'status' | 'date'>): MappedResource[] {
  return resources.filter(({ resource: r }) => {
    if (params.status.length && !params.status.includes(statusOf(r))) return false;
    for (const d of params.date) if (!matchesDate(r, d)) return false;
    return true;
  });
}

/** The value `status` matches: status, or for Condition its clinical status (entered-in-error when retracted). */
export function statusOf(r: FhirResource): string {
  if (r.resourceType !== 'Condition') return String(r.status);
  return (r.clinicalStatus as { coding: Array<{ code: string }> } | undefined)?.coding[0]?.code ?? 'entered-in-error';
}

function matchesDate(resource: FhirResource, param: string): boolean {
  const [, prefix = 'eq', value] = DATE_PARAM.exec(param)!;
  const period = resource.period as { start?: string; end?: string } | undefined;
  const start = (period?.start ?? (resource.onsetDateTime as string | undefined) ?? (resource.recordedDate as string | undefined) ?? '').slice(0, 10);
  const end = (period?.end ?? (resource.abatementDateTime as string | undefined) ?? '9999-12-31').slice(0, 10);
  if (!start) return false;
  const lo = value.length === 4 ? `${value}-01-01` : value.length === 7 ? `${value}-01` : value;
  const hi = value.length === 4 ? `${value}-12-31` : value.length === 7 ? `${value}-31` : value;
  switch (prefix) {
    case 'eq':
      return start <= hi && end >= lo;
    case 'ne':
      return !(start <= hi && end >= lo);
    case 'gt':
      return end > hi;
    case 'sa':
      return start > hi;
    case 'ge':
      return end >= lo;
    case 'lt':
      return start < lo;
    case 'eb':
      return end < lo;
    case 'le':
      return start <= hi;
    default:
      return true;
  }
}
