import { MessageException, MessageExceptionCode } from './message.exception';
import {
  DiagnosisFact,
  DocumentStatus,
  PatientEventFact,
  ServiceFact,
  ServiceNeedFact,
} from './model/parsed-message.model';
import { WarningSink } from './values/value-normalization.util';

/** What a reader or mapper needs besides the tree: a warning sink and the AppRec-relevant header seen so far. */
export interface MappingContext {
  warn: WarningSink;
  /** Filled as soon as values are known so an exception can still carry them (MessageException.partial). */
  partial: { msgId?: string; msgType?: string; genDate?: string; namespace?: string };
}

/** Throws SCHEMA_VIOLATION; `reason` must name elements/codes only, never content. */
export function schemaViolation(reason: string): never {
  throw new MessageException(MessageExceptionCode.SCHEMA_VIOLATION, reason);
}

const STATUSES: ReadonlySet<string> = new Set<DocumentStatus>(['N', 'M', 'C', 'A', 'H']);

/**
 * Reads a code-list 7309 status (Forsendelsesstatus / ServType). A document standard without a usable
 * status cannot be projected, so a missing or unknown value is a schema violation (the acceptance tests
 * expect a meaningful AppRec for a missing Forsendelsesstatus). A and H are accepted with a warning:
 * HISD 1154 allows only N/M/C (guide §3.1).
 */
export function readDocumentStatus(value: string | undefined, field: string, ctx: MappingContext): DocumentStatus {
  if (value === undefined) schemaViolation(`${field} (code list 7309) is missing`);
  const v = value.toUpperCase();
  if (!STATUSES.has(v)) schemaViolation(`${field} has unsupported value '${value.slice(0, 10)}' (expected N, M or C)`);
  if (v === 'A' || v === 'H') ctx.warn(`${field} is '${v}'; only N, M and C are allowed by HISD 1154`);
  return v as DocumentStatus;
}

/** The business facts a payload mapper yields; parse-message.ts combines them with the envelope. */
export interface PayloadFacts {
  status: DocumentStatus | null;
  explicitDocumentId?: string;
  services: ServiceFact[];
  serviceNeeds: ServiceNeedFact[];
  diagnoses: DiagnosisFact[];
  patientEvents: PatientEventFact[];
}

/** Facts of a payload that carries nothing to project (Dialogmelding, unknown payloads). */
export function noFacts(status: DocumentStatus | null): PayloadFacts {
  return { status, services: [], serviceNeeds: [], diagnoses: [], patientEvents: [] };
}
