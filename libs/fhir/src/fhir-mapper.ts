import type { DiagnosisView, ServiceView, SourceRef, TimelineEntry } from '@hub/projections';
import { norwegianOffsetOfLocal } from '@hub/messages';
import { codeSystemUri, HUB_EXTENSION_BASE, HUB_PROFILES, IPLOS_SYSTEM } from './identifier-systems.constant';

/**
 * FHIR R4 resources from the patient overview. The patient is referenced by the identifier the
 * client searched with (a logical reference), so no patient id or number appears in any URL.
 * Every resource names its source message in meta.source.
 */
export type FhirResource = Record<string, unknown> & { resourceType: string; id?: string };

export interface PatientReference {
  identifier: { system: string; value: string };
}

/** A served resource and the source messages whose facts it shows (for Provenance). */
export interface MappedResource {
  resource: FhirResource;
  sources: SourceRef[];
}

function metaFor(sources: SourceRef[], profile: string): Record<string, unknown> {
  const latest = sources[sources.length - 1];
  const meta: Record<string, unknown> = {};
  if (latest) meta.source = msgIdUri(latest.msgId);
  meta.profile = [profile];
  return meta;
}

/** urn:uuid for UUID MsgIds (the standard requires them), else a hub-local URI. */
export function msgIdUri(msgId: string): string {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(msgId) ? `urn:uuid:${msgId.toLowerCase()}` : `urn:hendelseslager:msgid:${encodeURIComponent(msgId)}`;
}

export function episodeOfCare(service: ServiceView, patient: PatientReference): FhirResource {
  const extension: Array<Record<string, unknown>> = [];
  if (service.amount !== null && /^-?\d+(\.\d+)?$/.test(service.amount)) extension.push({ url: `${HUB_EXTENSION_BASE}/service-amount`, valueDecimal: Number(service.amount) });
  if (service.unit) extension.push({ url: `${HUB_EXTENSION_BASE}/service-unit`, valueString: service.unit });
  if (service.privateService !== null) extension.push({ url: `${HUB_EXTENSION_BASE}/service-private`, valueBoolean: service.privateService });
  if (service.endedBy) extension.push({ url: `${HUB_EXTENSION_BASE}/service-ended-by`, valueCode: service.endedBy });
  for (const source of service.sources) extension.push({ url: `${HUB_EXTENSION_BASE}/source-message`, valueString: source.msgId });
  const coding = service.iplosCode ? [{ system: IPLOS_SYSTEM, code: service.iplosCode, ...(service.iplosText ? { display: service.iplosText } : {}) }] : [];
  const type = { ...(coding.length ? { coding } : {}), ...(service.description || service.iplosText ? { text: service.description ?? service.iplosText } : {}) };
  // A cancelled service is one whose reporting message was withdrawn (ServType/Forsendelsesstatus C),
  // so the record was made in error; EpisodeOfCare 'cancelled' would claim it never started.
  const resource: FhirResource = {
    resourceType: 'EpisodeOfCare',
    id: service.id,
    meta: metaFor(service.sources, HUB_PROFILES.EpisodeOfCare),
    ...(extension.length ? { extension } : {}),
    status: service.status === 'active' ? 'active' : service.status === 'ended' ? 'finished' : 'entered-in-error',
    // FHIR JSON forbids empty objects, so a service without code or text has no type.
    ...(Object.keys(type).length ? { type: [type] } : {}),
    patient,
  };
  const period: Record<string, string> = {};
  if (service.startDate) period.start = service.startDate;
  if (service.endDate) period.end = service.endDate;
  if (Object.keys(period).length) resource.period = period;
  if (service.providedBy) resource.managingOrganization = { display: service.providedBy };
  return resource;
}

export function condition(diagnosis: DiagnosisView, patient: PatientReference): FhirResource {
  const system = codeSystemUri(diagnosis.codeSystem);
  const coding = diagnosis.code ? [{ ...(system ? { system } : {}), code: diagnosis.code, ...(diagnosis.display ? { display: diagnosis.display } : {}) }] : [];
  const text = diagnosis.text ?? diagnosis.display ?? undefined;
  const resource: FhirResource = {
    resourceType: 'Condition',
    id: diagnosis.id,
    meta: metaFor(diagnosis.sources, HUB_PROFILES.Condition),
    ...(diagnosis.sources.length ? { extension: diagnosis.sources.map((s) => ({ url: `${HUB_EXTENSION_BASE}/source-message`, valueString: s.msgId })) } : {}),
    verificationStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: diagnosis.retracted ? 'entered-in-error' : 'confirmed' }],
    },
    category: [
      {
        coding: [
          diagnosis.contexts.every((c) => c === 'PLO_HISTORY')
            ? { system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }
            : { system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis' },
        ],
      },
    ],
    ...(coding.length || text ? { code: { ...(coding.length ? { coding } : {}), ...(text ? { text } : {}) } } : {}),
    subject: patient,
    recordedDate: toFhirDateTime(diagnosis.firstReported),
  };
  // FHIR con-3/con-5: clinicalStatus is required unless the record was entered in error, and must then be absent.
  if (!diagnosis.retracted) {
    resource.clinicalStatus = {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: diagnosis.endDate ? 'resolved' : 'active' }],
    };
  }
  if (diagnosis.startDate) resource.onsetDateTime = toFhirDateTime(diagnosis.startDate);
  // con-4: an abated condition needs clinicalStatus inactive, resolved or remission, which con-5
  // forbids on entered-in-error; so a retracted diagnosis has no abatement (the withdrawn message,
  // with its dates, stays readable as the Binary of its Provenance).
  if (diagnosis.endDate && !diagnosis.retracted) resource.abatementDateTime = toFhirDateTime(diagnosis.endDate);
  if (diagnosis.isMain !== 'unknown') {
    resource.extension = [...((resource.extension as unknown[] | undefined) ?? []), { url: `${HUB_EXTENSION_BASE}/main-diagnosis`, valueBoolean: diagnosis.isMain === 'true' }];
  }
  return resource;
}

/** Admission/discharge pairs from the timeline, one Encounter per stay. */
export function encounters(timeline: TimelineEntry[], patient: PatientReference): FhirResource[] {
  return encounterResources(timeline, patient).map((m) => m.resource);
}

/** Like {@link encounters}, with the source messages of each stay. */
export function encounterResources(timeline: TimelineEntry[], patient: PatientReference): MappedResource[] {
  const live = timeline.filter((e) => !e.retracted && (e.kind === 'ADMITTED' || e.kind === 'DISCHARGED' || e.kind === 'DISCHARGE_READY'));
  const sorted = [...live].sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
  const stays: Array<{ admitted?: TimelineEntry; discharged?: TimelineEntry; other: TimelineEntry[] }> = [];
  let open: (typeof stays)[number] | undefined;
  for (const e of sorted) {
    if (e.kind === 'ADMITTED') {
      if (open?.admitted && open.admitted.time === e.time) {
        open.other.push(e);
        continue;
      }
      open = { admitted: e, other: [] };
      stays.push(open);
    } else if (e.kind === 'DISCHARGED') {
      const last = stays[stays.length - 1];
      // The same discharge reported twice (logistics message and epikrise) is one stay, not two.
      if (!open && last?.discharged && last.discharged.time === e.time) last.other.push(e);
      else if (open && !open.discharged) open.discharged = e;
      else stays.push({ discharged: e, other: [] });
      open = undefined;
    } else if (open) {
      open.other.push(e);
    }
  }
  return stays.map((stay) => {
    const sources = [stay.admitted, stay.discharged, ...stay.other].filter((x): x is TimelineEntry => Boolean(x)).map((e) => e.source);
    const period: Record<string, string> = {};
    if (stay.admitted?.time) period.start = toFhirDateTime(stay.admitted.time);
    if (stay.discharged?.time) period.end = toFhirDateTime(stay.discharged.time);
    const resource: FhirResource = {
      resourceType: 'Encounter',
      // A stay has its admission or its discharge, so it always has a first source.
      id: `${sources[0].msgId.replace(/[^A-Za-z0-9-.]/g, '').slice(0, 50)}-${stay.admitted ? 'a' : 'd'}`,
      meta: metaFor(sources, HUB_PROFILES.Encounter),
      status: stay.discharged ? 'finished' : 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' },
      subject: patient,
      ...(Object.keys(period).length ? { period } : {}),
      ...(stay.discharged?.dischargedTo
        ? { hospitalization: { dischargeDisposition: { coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.8408', code: stay.discharged.dischargedTo }] } } }
        : {}),
    };
    return { resource, sources };
  });
}

/**
 * One Provenance per source message of the given resources: `target` names every resource on
 * the page whose facts came from that message, `entity.what` is the original message as
 * received (`Binary/{id}`, served by this API byte for byte), `agent.who` its sender. Served
 * through `_revinclude=Provenance:target` (search mode `include`).
 */
export function provenances(mapped: MappedResource[]): FhirResource[] {
  const bySource = new Map<string, { source: SourceRef; targets: Set<string> }>();
  for (const { resource, sources } of mapped) {
    for (const source of sources) {
      const entry = bySource.get(source.msgId) ?? { source, targets: new Set<string>() };
      entry.targets.add(`${resource.resourceType}/${resource.id}`);
      bySource.set(source.msgId, entry);
    }
  }
  return [...bySource.values()].map(({ source, targets }) => ({
    resourceType: 'Provenance',
    id: provenanceId(source.originalId),
    meta: { source: msgIdUri(source.msgId), profile: [HUB_PROFILES.Provenance] },
    target: [...targets].sort().map((reference) => ({ reference })),
    recorded: toFhirInstant(source.receivedAt ?? source.reportedAt),
    activity: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'CREATE', display: 'create' }],
      text: `Reported in e-melding ${source.msgType}`,
    },
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author', display: 'Author' }] },
        who: { display: source.reportedBy ?? 'Unknown sender' },
      },
    ],
    entity: [
      {
        role: 'source',
        what: {
          reference: `Binary/${source.originalId}`,
          identifier: { system: 'urn:ietf:rfc:3986', value: msgIdUri(source.msgId) },
          display: `Original message ${source.msgType}`,
        },
      },
    ],
  }));
}

/** What the read model holds about a patient (the patient overview's `patient` and `deceased`). */
export interface PatientDemographicsView {
  /** The patient's pseudonym in this kommune (never an identifier). */
  id: string;
  familyName: string | null;
  givenName: string | null;
  birthDate: string | null;
  sex: string | null;
}

/** Kjønn (code list 3101, as PLO and the other standards send it) to FHIR administrative gender. */
const GENDER: Record<string, string> = { '1': 'male', '2': 'female', '0': 'unknown', '9': 'unknown' };

/**
 * The FHIR id of a patient: the pseudonym's bytes in hex (the pseudonym is base64url, whose `_`
 * a FHIR id may not hold). Stable per patient and kommune, and like the pseudonym it cannot be
 * turned back into the identifier without the hub's key.
 */
export function patientId(pseudonym: string): string {
  return Buffer.from(pseudonym, 'base64url').toString('hex').slice(0, 64);
}

/**
 * The patient's demographics as a FHIR Patient: the identifier the client searched with (never
 * in a URL), the names from the newest message that named the patient, birth date, gender, and
 * death when a message reported it. `meta.source` is the newest message the read model holds
 * for the patient.
 */
export function patientResource(
  demographics: PatientDemographicsView,
  deceased: { time: string | null } | null,
  patient: PatientReference,
  newestMsgId: string | undefined,
): FhirResource {
  const name = demographics.familyName || demographics.givenName
    ? [{ use: 'official', ...(demographics.familyName ? { family: demographics.familyName } : {}), ...(demographics.givenName ? { given: [demographics.givenName] } : {}) }]
    : undefined;
  const gender = demographics.sex ? GENDER[demographics.sex.trim()] : undefined;
  const birthDate = demographics.birthDate && /^\d{4}(-\d{2}(-\d{2})?)?$/.test(demographics.birthDate) ? demographics.birthDate : undefined;
  return {
    resourceType: 'Patient',
    id: patientId(demographics.id),
    meta: { ...(newestMsgId ? { source: msgIdUri(newestMsgId) } : {}), profile: [HUB_PROFILES.Patient] },
    identifier: [{ use: 'official', system: patient.identifier.system, value: patient.identifier.value }],
    ...(name ? { name } : {}),
    ...(gender ? { gender } : {}),
    ...(birthDate ? { birthDate } : {}),
    ...(deceased ? (deceased.time ? { deceasedDateTime: toFhirDateTime(deceased.time) } : { deceasedBoolean: true }) : {}),
  };
}

/** Provenance ids stay within FHIR's 64 characters whatever the Binary id. */
function provenanceId(originalId: string): string {
  return `p-${originalId}`.slice(0, 64);
}

/** The original message as a FHIR Binary (for clients that ask for application/fhir+json). */
export function binaryResource(id: string, contentType: string, payload: Buffer, msgId: string): FhirResource {
  return { resourceType: 'Binary', id, meta: { source: msgIdUri(msgId) }, contentType, data: payload.toString('base64') };
}

/** A FHIR instant (with seconds and zone) from an ISO instant or a lexical local date(-time). */
export function toFhirInstant(value: string): string {
  const v = toFhirDateTime(value);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)) return v;
  const date = /^\d{4}-\d{2}-\d{2}/.exec(v)?.[0] ?? (v.length === 4 ? `${v}-01-01` : `${v}-01`);
  return toFhirDateTime(`${date}T00:00:00`);
}

export function searchsetBundle(
  resources: FhirResource[],
  total: number,
  baseUrl: string,
  links: Array<{ relation: string; url: string }>,
  included: FhirResource[] = [],
): FhirResource {
  const entry = (mode: 'match' | 'include') => (resource: FhirResource) => ({ fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`, resource, search: { mode } });
  const entries = [...resources.map(entry('match')), ...included.map(entry('include'))];
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    link: links,
    ...(entries.length ? { entry: entries } : {}),
  };
}

export function operationOutcome(severity: 'error' | 'warning' | 'information', code: string, diagnostics: string): FhirResource {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
}

/**
 * FHIR dateTime from the lexical values the standards send. Dates stay dates; a dateTime
 * without zone is local Norwegian time, so it is given the Europe/Oslo offset of that instant.
 */
export function toFhirDateTime(value: string): string {
  const v = value.trim();
  // Stryker disable next-line all: equivalent, a year, year-month or date also leaves by the last line (v.slice(0, 10) is v); kept to say what happens to dates
  if (/^\d{4}(-\d{2}(-\d{2})?)?$/.test(v)) return v;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(:\d{2}(\.\d+)?)?)(Z|[+-]\d{2}:\d{2})?$/.exec(v);
  if (!m) return v.slice(0, 10);
  const time = m[2].length === 5 ? `${m[2]}:00` : m[2];
  if (m[5]) return `${m[1]}T${time}${m[5]}`;
  if (Number.isNaN(Date.parse(`${m[1]}T${time}Z`))) return m[1]; // no such time (month 13, hour 25): the date as sent
  return `${m[1]}T${time}${norwegianOffsetOfLocal(`${m[1]}T${time}`)}`;
}

