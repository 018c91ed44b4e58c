import { createHash } from 'node:crypto';
import { originalMessageId } from './original-message.ref';
import type { PatientRecordRows } from './patient-record.rows';

/**
 * The patient overview computed from read-model rows: services grouped by identity, diagnoses
 * grouped by code, the timeline. Status that depends on "today" (ended services) is computed
 * here at read time, never in the projection, so replays stay deterministic.
 */
export type ServiceStatus = 'active' | 'ended' | 'cancelled';

export interface SourceRef {
  msgId: string;
  msgType: string;
  /** GenDate of the message, as sent (lexical, may lack a zone). */
  reportedAt: string;
  reportedBy: string | null;
  /** When the hub received the message (ISO instant), if the message is in this patient's record. */
  receivedAt: string | null;
  /** Id of the original bytes: `Binary/{originalId}` in FHIR. */
  originalId: string;
}

export interface ServiceView {
  id: string;
  iplosCode: string | null;
  iplosText: string | null;
  description: string | null;
  privateService: boolean | null;
  providedBy: string | null;
  amount: string | null;
  unit: string | null;
  startDate: string | null;
  endDate: string | null;
  status: ServiceStatus;
  endedBy: 'sluttdato' | 'death' | null;
  /** Sender of the newest report of this service. */
  reportedBy: string | null;
  firstReported: string;
  lastReported: string;
  /** Orientering om tjenestetilbud (the kommune's own decision) or a snapshot at admission. */
  sourceType: string;
  sources: SourceRef[];
}

export interface ServiceNeedView {
  iplosCode: string | null;
  iplosText: string | null;
  description: string | null;
  amountRequested: string | null;
  unit: string | null;
  retracted: boolean;
  source: SourceRef;
}

export interface DiagnosisView {
  id: string;
  codeSystem: string | null;
  code: string | null;
  display: string | null;
  text: string | null;
  isMain: 'true' | 'false' | 'unknown';
  firstReported: string;
  lastReported: string;
  startDate: string | null;
  endDate: string | null;
  retracted: boolean;
  contexts: string[];
  codeSystemMismatch: boolean;
  sources: SourceRef[];
}

export interface TimelineEntry {
  /** ADMITTED, DISCHARGED, DISCHARGE_READY, DEATH, … from the messages, or MESSAGE_RECEIVED. */
  kind: string;
  time: string | null;
  eventCode: string | null;
  description: string | null;
  dischargedTo: string | null;
  retracted: boolean;
  source: SourceRef;
}

export interface ReceivedMessageView {
  msgId: string;
  msgType: string;
  standard: string;
  standardVersion: string;
  status: string | null;
  genDate: string;
  receivedAt: string;
  sender: string | null;
  documentState: string | null;
  projected: boolean;
  originalId: string;
}

/**
 * What a reader needs to judge completeness at a glance: how much the hub holds and how fresh
 * it is, and what it holds but could not (yet) show.
 */
export interface OverviewSummary {
  messages: number;
  newestMessageReceivedAt: string | null;
  activeServices: number;
  services: number;
  diagnoses: number;
  retractedDiagnoses: number;
  /** Messages kept but not turned into facts (unsupported type, or waiting for their original). */
  messagesWithoutFacts: number;
}

export interface PatientOverview {
  patient: { id: string; familyName: string | null; givenName: string | null; birthDate: string | null; sex: string | null } | null;
  deceased: { time: string | null; source: SourceRef } | null;
  services: ServiceView[];
  serviceNeeds: ServiceNeedView[];
  diagnoses: DiagnosisView[];
  timeline: TimelineEntry[];
  messages: ReceivedMessageView[];
  summary: OverviewSummary;
}

export function buildPatientOverview(rows: PatientRecordRows, primaryPseudonym: string, today: string): PatientOverview {
  const received = new Map(rows.messages.map((m) => [m.msg_id, new Date(m.recorded_at).toISOString()]));
  const ref = (r: { msg_id: string; msg_type: string; reported_at: string; sender_name: string | null }): SourceRef => ({
    msgId: r.msg_id, msgType: r.msg_type, reportedAt: r.reported_at, reportedBy: r.sender_name,
    receivedAt: received.get(r.msg_id) ?? null, originalId: originalMessageId(r.msg_id),
  });
  const death = rows.events.filter((e) => e.kind === 'DEATH' && !e.retracted).sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''))[0];

  const serviceGroups = new Map<string, typeof rows.services>();
  for (const s of rows.services) {
    const key = `${s.iplos_code ?? `text:${(s.description ?? '').trim().toLowerCase()}`}|${s.start_date ?? ''}`;
    if (!serviceGroups.has(key)) serviceGroups.set(key, []);
    serviceGroups.get(key)!.push(s);
  }
  const services: ServiceView[] = [...serviceGroups.entries()].map(([key, facts]) => {
    const live = facts.filter((f) => !f.retracted);
    const reports = (live.length > 0 ? live : facts).slice().sort((a, b) => a.reported_at.localeCompare(b.reported_at));
    const basis = reports[reports.length - 1];
    let status: ServiceStatus = 'active';
    let endedBy: ServiceView['endedBy'] = null;
    if (live.length === 0) status = 'cancelled';
    else if (basis.end_date && basis.end_date <= today) {
      status = 'ended';
      endedBy = 'sluttdato';
    } else if (death) {
      status = 'ended';
      endedBy = 'death';
    }
    return {
      id: stableId(primaryPseudonym, key),
      iplosCode: basis.iplos_code, iplosText: basis.iplos_text, description: basis.description, privateService: basis.private_service,
      providedBy: basis.provided_by, amount: basis.amount, unit: basis.unit, startDate: basis.start_date, endDate: basis.end_date,
      status, endedBy,
      reportedBy: basis.sender_name, firstReported: reports[0].reported_at, lastReported: basis.reported_at,
      sourceType: basis.msg_type,
      sources: (live.length > 0 ? live : facts).map(ref),
    };
  });
  services.sort((a, b) => statusRank(a.status) - statusRank(b.status) || (b.startDate ?? '').localeCompare(a.startDate ?? ''));

  const diagnosisGroups = new Map<string, typeof rows.diagnoses>();
  for (const d of rows.diagnoses) {
    const key = d.normalized_code ? `${d.code_system ?? ''}|${d.normalized_code}` : `text|${(d.text ?? d.display ?? '').trim().toLowerCase()}`;
    if (!diagnosisGroups.has(key)) diagnosisGroups.set(key, []);
    diagnosisGroups.get(key)!.push(d);
  }
  const diagnoses: DiagnosisView[] = [...diagnosisGroups.entries()].map(([key, facts]) => {
    const live = facts.filter((f) => !f.retracted);
    const shown = live.length > 0 ? live : facts;
    const sorted = shown.slice().sort((a, b) => a.reported_at.localeCompare(b.reported_at));
    const latest = sorted[sorted.length - 1];
    return {
      id: stableId(primaryPseudonym, key),
      codeSystem: latest.code_system, code: latest.code, display: latest.display ?? shown.find((f) => f.display)?.display ?? null,
      text: latest.text, isMain: shown.some((f) => f.is_main === 'true') ? 'true' : shown.every((f) => f.is_main === 'false') ? 'false' : 'unknown',
      firstReported: sorted[0].reported_at, lastReported: latest.reported_at,
      startDate: shown.map((f) => f.start_date).filter((x): x is string => Boolean(x)).sort()[0] ?? null,
      endDate: shown.map((f) => f.end_date).filter((x): x is string => Boolean(x)).sort().pop() ?? null,
      retracted: live.length === 0,
      contexts: [...new Set(shown.map((f) => f.context))],
      codeSystemMismatch: shown.some((f) => f.code_system_mismatch),
      sources: shown.map(ref),
    };
  });
  diagnoses.sort((a, b) => Number(a.retracted) - Number(b.retracted) || b.lastReported.localeCompare(a.lastReported));

  const messages: ReceivedMessageView[] = rows.messages.map((m) => ({
    msgId: m.msg_id, msgType: m.msg_type, standard: m.standard, standardVersion: m.standard_version, status: m.status, genDate: m.gen_date,
    receivedAt: new Date(m.recorded_at).toISOString(), sender: m.sender_name, documentState: m.document_state,
    projected: m.event_type !== 'NOT_PROJECTED' && m.event_type !== 'APPREC_RECEIVED',
    originalId: originalMessageId(m.msg_id),
  }));
  const timeline: TimelineEntry[] = [
    ...rows.events.map((e) => ({
      kind: e.kind, time: e.time, eventCode: e.event_code, description: e.description, dischargedTo: e.discharged_to, retracted: e.retracted, source: ref(e),
    })),
    ...messages.map((m) => ({
      kind: 'MESSAGE_RECEIVED', time: m.receivedAt, eventCode: m.msgType, description: null, dischargedTo: null,
      retracted: m.documentState === 'CANCELLED',
      source: { msgId: m.msgId, msgType: m.msgType, reportedAt: m.genDate, reportedBy: m.sender, receivedAt: m.receivedAt, originalId: m.originalId },
    })),
  ];
  // Chronological by instant; lexical local times sort with ISO instants well enough for a day view.
  timeline.sort((a, b) => (a.time ?? a.source.reportedAt).localeCompare(b.time ?? b.source.reportedAt));

  const p = rows.patients.find((x) => x.pseudonym === primaryPseudonym) ?? rows.patients[0];
  return {
    patient: p ? { id: primaryPseudonym, familyName: p.family_name, givenName: p.given_name, birthDate: p.birth_date, sex: p.sex } : null,
    deceased: death ? { time: death.time, source: ref(death) } : null,
    services,
    serviceNeeds: rows.serviceNeeds.map((n) => ({
      iplosCode: n.iplos_code, iplosText: n.iplos_text, description: n.description, amountRequested: n.amount_requested, unit: n.unit, retracted: n.retracted, source: ref(n),
    })),
    diagnoses,
    timeline,
    messages,
    summary: {
      messages: messages.length,
      newestMessageReceivedAt: messages.map((m) => m.receivedAt).sort().pop() ?? null,
      activeServices: services.filter((s) => s.status === 'active').length,
      services: services.length,
      diagnoses: diagnoses.filter((d) => !d.retracted).length,
      retractedDiagnoses: diagnoses.filter((d) => d.retracted).length,
      messagesWithoutFacts: messages.filter((m) => !m.projected || m.documentState === 'PENDING' || m.documentState === null).length,
    },
  };
}

function statusRank(status: ServiceStatus): number {
  return status === 'active' ? 0 : status === 'ended' ? 1 : 2;
}

/** Stable id for a grouped fact (FHIR logical ids allow [A-Za-z0-9-.]{1,64}); reveals nothing. */
function stableId(scope: string, key: string): string {
  return createHash('sha256').update(`${scope}|${key}`).digest('hex').slice(0, 32);
}
