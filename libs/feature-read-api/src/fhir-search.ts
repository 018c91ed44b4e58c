import { episodeOfCare, condition, encounters, FhirResource, PatientReference } from '@hub/fhir';
import type { PatientOverview } from '@hub/projections';

export type SearchableResource = 'EpisodeOfCare' | 'Condition' | 'Encounter';
export const SEARCHABLE_RESOURCES: SearchableResource[] = ['EpisodeOfCare', 'Condition', 'Encounter'];

export interface SearchParameters {
  identifierToken: string;
  status?: string[];
  date?: string[];
  count: number;
  offset: number;
}

export class SearchParameterException extends Error {}

const DATE_PARAM = /^(eq|ne|gt|lt|ge|le|sa|eb)?(\d{4}(-\d{2}(-\d{2})?)?)$/;

/** Reads FHIR search parameters from a query string or a form body (repeated keys allowed). */
export function readSearchParameters(params: Record<string, unknown>): SearchParameters {
  const list = (name: string): string[] => {
    const raw = params[name];
    const values = Array.isArray(raw) ? raw.map(String) : raw === undefined ? [] : [String(raw)];
    return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  };
  const identifier = list('patient.identifier');
  if (identifier.length !== 1) throw new SearchParameterException('Exactly one patient.identifier (system|value) is required');
  for (const d of list('date')) if (!DATE_PARAM.test(d)) throw new SearchParameterException(`Unsupported date parameter '${d}'`);
  const count = list('_count')[0] ?? '50';
  const offset = list('_offset')[0] ?? '0';
  if (!/^\d+$/.test(count) || !/^\d+$/.test(offset)) throw new SearchParameterException('_count and _offset must be non-negative integers');
  return { identifierToken: identifier[0], status: list('status'), date: list('date'), count: Math.min(Number(count), 200), offset: Number(offset) };
}

export function resourcesFor(type: SearchableResource, overview: PatientOverview, patient: PatientReference): FhirResource[] {
  switch (type) {
    case 'EpisodeOfCare':
      return overview.services.map((s) => episodeOfCare(s, patient));
    case 'Condition':
      return overview.diagnoses.map((d) => condition(d, patient));
    case 'Encounter':
      return encounters(overview.timeline, patient);
  }
}

/** Applies `status` and `date` (against period, onset or recordedDate) filters. */
export function filterResources(resources: FhirResource[], params: SearchParameters): FhirResource[] {
  return resources.filter((r) => {
    if (params.status?.length) {
      const status = r.resourceType === 'Condition'
        ? ((r.clinicalStatus as { coding: Array<{ code: string }> } | undefined)?.coding[0]?.code ?? 'entered-in-error')
        : String(r.status);
      if (!params.status.includes(status)) return false;
    }
    for (const d of params.date ?? []) if (!matchesDate(r, d)) return false;
    return true;
  });
}

function matchesDate(resource: FhirResource, param: string): boolean {
  const [, prefix = 'eq', value] = DATE_PARAM.exec(param)!;
  const period = resource.period as { start?: string; end?: string } | undefined;
  const start = (period?.start ?? (resource.onsetDateTime as string | undefined) ?? (resource.recordedDate as string | undefined) ?? '').slice(0, 10);
  const end = (period?.end ?? (resource.abatementDateTime as string | undefined) ?? '9999-12-31').slice(0, 10);
  if (!start) return false;
  const lo = value.padEnd(10, value.length === 4 ? '-01-01' : '-01').slice(0, 10);
  const hi = value.length === 4 ? `${value}-12-31` : value.length === 7 ? `${value}-31` : value;
  switch (prefix) {
    case 'eq':
      return start <= hi && end >= lo;
    case 'ne':
      return !(start <= hi && end >= lo);
    case 'gt':
    case 'sa':
      return end > hi;
    case 'ge':
      return end >= lo;
    case 'lt':
    case 'eb':
      return start < lo;
    case 'le':
      return start <= hi;
    default:
      return true;
  }
}
