import { ReadApiException, ReadApiExceptionCode } from './read-api.exception';
import { condition, encounterResources, episodeOfCare, FhirResource, MappedResource, PatientReference, patientResource, provenances } from '@hub/fhir';
import type { FactSection, PatientOverview } from '@hub/projections';

export type SearchableResource = 'EpisodeOfCare' | 'Condition' | 'Encounter' | 'Provenance' | 'Patient';
export const SEARCHABLE_RESOURCES: SearchableResource[] = ['EpisodeOfCare', 'Condition', 'Encounter', 'Provenance', 'Patient'];

/** The resources that reference the patient, and the `_include` that adds the Patient to their search (FHIR's own search parameter names). */
export const PATIENT_INCLUDES: Partial<Record<SearchableResource, string>> = {
  EpisodeOfCare: 'EpisodeOfCare:patient',
  Condition: 'Condition:subject',
  Encounter: 'Encounter:subject',
};

/** A FHIR search as the read API understands it (also what a page token carries, sealed). */
export interface SearchParameters {
  identifierToken: string;
  /** EpisodeOfCare and Encounter `status`. */
  status: string[];
  /** Condition `clinical-status` and `verification-status` (R4 has no Condition `status`); absent in page tokens sealed before they existed. */
  clinicalStatus?: string[];
  verificationStatus?: string[];
  date: string[];
  count: number;
  offset: number;
  /** `_revinclude=Provenance:target`: add the Provenance of every matched resource. */
  revincludeProvenance: boolean;
  /** `_include=<type>:subject` (`:patient` for EpisodeOfCare): add the Patient the matches reference. */
  includePatient?: boolean;
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
export const SEARCH_PARAMETER_NAMES = ['patient.identifier', 'identifier', 'status', 'clinical-status', 'verification-status', 'date', '_count', '_revinclude', '_include', '_page', '_format'] as const;
/** The status parameters of each type, by FHIR R4's names (Condition has clinical and verification status, no `status`). */
const STATUS_PARAMETERS: Record<SearchableResource, string[]> = {
  EpisodeOfCare: ['status'],
  Encounter: ['status'],
  Condition: ['clinical-status', 'verification-status'],
  Provenance: [],
  Patient: [],
};
const SUPPORTED = new Set<string>(SEARCH_PARAMETER_NAMES);

/**
 * Reads FHIR search parameters from a query string or a form body (repeated keys and
 * comma-separated values allowed). Unknown parameters are refused rather than ignored, so a
 * client never mistakes an unfiltered answer for a filtered one.
 */
export function readSearchParameters(params: Record<string, unknown>, type: SearchableResource): SearchParameters {
  const list = (name: string): string[] => {
    const raw = params[name];
    const values = Array.isArray(raw) ? raw.map(String) : raw === undefined ? [] : [String(raw)];
    return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  };
  // Answers name positions, never what was sent: a parameter name or value may be an identifier.
  const unknown = Object.keys(params).findIndex((k) => !SUPPORTED.has(k));
  if (unknown >= 0) throw new SearchParameterException(`Unsupported search parameter at position ${unknown + 1}; supported: ${SEARCH_PARAMETER_NAMES.join(', ')}`);
  // Patient is searched by its own identifier; the others by their patient's (FHIR's names for each).
  const identifierName = type === 'Patient' ? 'identifier' : 'patient.identifier';
  const other = type === 'Patient' ? 'patient.identifier' : 'identifier';
  if (list(other).length) throw new SearchParameterException(`${type} is searched by ${identifierName}, not ${other}`);
  const identifier = list(identifierName);
  if (identifier.length !== 1) throw new SearchParameterException(`Exactly one ${identifierName} (system|value) is required`);
  // A status parameter of another type would not be applied, and a filter that is not applied would mislead.
  for (const name of ['status', 'clinical-status', 'verification-status']) {
    if (list(name).length && !STATUS_PARAMETERS[type].includes(name)) {
      const own = STATUS_PARAMETERS[type];
      throw new SearchParameterException(`${name} is not a search parameter of ${type}${own.length ? `; use ${own.join(' or ')}` : ''}`);
    }
  }
  // Provenance and Patient have no date of their own here.
  if (type === 'Provenance' || type === 'Patient') {
    for (const name of ['date', '_revinclude', '_include']) {
      if (list(name).length) throw new SearchParameterException(`${name} is not supported for ${type}`);
    }
  }
  list('date').forEach((d, index) => {
    if (!DATE_PARAM.test(d)) throw new SearchParameterException(`date value ${index + 1} is not supported: an optional prefix (eq, ne, gt, lt, ge, le, sa, eb) and yyyy, yyyy-mm or yyyy-mm-dd`);
  });
  const count = list('_count')[0] ?? String(DEFAULT_COUNT);
  if (!/^\d+$/.test(count)) throw new SearchParameterException('_count must be a non-negative integer');
  const revinclude = list('_revinclude');
  if (revinclude.some((r) => r !== 'Provenance:target')) throw new SearchParameterException('Only _revinclude=Provenance:target is supported');
  const include = list('_include');
  if (include.some((i) => i !== PATIENT_INCLUDES[type])) throw new SearchParameterException(`Only _include=${PATIENT_INCLUDES[type] ?? '(none)'} is supported for ${type}`);
  return {
    identifierToken: identifier[0],
    status: list('status'),
    clinicalStatus: list('clinical-status'),
    verificationStatus: list('verification-status'),
    date: list('date'),
    count: Math.min(Number(count), MAX_COUNT),
    offset: 0,
    revincludeProvenance: revinclude.length > 0,
    includePatient: include.length > 0,
  };
}

/**
 * The fact row sets a search of `type` is built from (besides the patients and messages, which
 * every read has), so the read leaves the rest unread: what `resourcesFor` and `patientOf` below
 * use of the overview. A service's status is "ended" at a death, and a Patient's deceased comes
 * from a death, so both need the patient events. Kept beside them: a type that starts using
 * another part must name it here (fhir-search.sections.spec checks each type against a full read).
 */
export function factSectionsFor(type: SearchableResource, includePatient: boolean): FactSection[] {
  const own: Record<SearchableResource, FactSection[]> = {
    EpisodeOfCare: ['services', 'events'],
    Condition: ['diagnoses'],
    Encounter: ['events'],
    Provenance: ['services', 'diagnoses', 'events'],
    Patient: ['events'],
  };
  const sections = new Set(own[type]);
  if (includePatient) sections.add('events');
  return [...sections];
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
    case 'Provenance':
      // Every source message of every served resource, oldest first (as recorded by the hub).
      return provenances(['EpisodeOfCare', 'Condition', 'Encounter'].flatMap((t) => resourcesFor(t as SearchableResource, overview, patient)))
        .sort((a, b) => String(a.recorded).localeCompare(String(b.recorded)) || String(a.id).localeCompare(String(b.id)))
        .map((resource) => ({ resource, sources: [] }));
    case 'Patient': {
      const found = patientOf(overview, patient);
      return found ? [{ resource: found, sources: [] }] : [];
    }
  }
}

/** The Patient resource of an overview (absent when the read model holds no demographics), its newest message as meta.source. */
export function patientOf(overview: PatientOverview, patient: PatientReference): FhirResource | undefined {
  if (!overview.patient) return undefined;
  const newest = [...overview.messages].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt)).pop();
  return patientResource(overview.patient, overview.deceased, patient, newest?.msgId);
}

/**
 * Applies the status parameters and `date` (against period, onset/abatement or recordedDate).
 * Token values match the code; `system|code` and `|code` forms match on the code too, the
 * systems being the ones R4 binds these elements to.
 */
export function filterResources(resources: MappedResource[], params: Pick<SearchParameters, 'status' | 'clinicalStatus' | 'verificationStatus' | 'date'>): MappedResource[] {
  const matches = (wanted: string[] | undefined, code: string | undefined) => !wanted?.length || (code !== undefined && wanted.some((w) => w.split('|').pop() === code));
  return resources.filter(({ resource: r }) => {
    if (!matches(params.status, r.resourceType === 'Condition' ? undefined : String(r.status))) return false;
    if (!matches(params.clinicalStatus, codeOf(r.clinicalStatus))) return false;
    if (!matches(params.verificationStatus, codeOf(r.verificationStatus))) return false;
    for (const d of params.date) if (!matchesDate(r, d)) return false;
    return true;
  });
}

/** The code of a CodeableConcept with one coding (a retracted Condition has no clinicalStatus). */
function codeOf(concept: unknown): string | undefined {
  return (concept as { coding?: Array<{ code?: string }> } | undefined)?.coding?.[0]?.code;
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
