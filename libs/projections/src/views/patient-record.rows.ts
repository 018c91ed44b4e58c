import type { DiagnosisRecord, DocumentInfo, PatientEventRecord, PatientRef, ServiceNeedRecord, ServiceRecord } from '@hub/contracts';

/** `codeSystemOid` -> `code_system_oid`: a contract field's column name. */
type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}` ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}` : S;

/** A contract record as the read-model row that stores it: the same fields and types, under their column names. */
export type Columns<T> = { [K in keyof T & string as SnakeCase<K>]: T[K] };

/** What every fact row adds to its record: the document and message it came from, and whether it was retracted. */
interface FactRowSource {
  doc_key: string; msg_id: string; msg_type: string; reported_at: string; sender_name: string | null; retracted: boolean;
}

/**
 * Read-model rows for one patient, as the query repository returns them (snake_case columns),
 * derived from the contract records they store (libs/contracts document.event.ts), so a field
 * is named and typed in one place.
 */
export type ServiceFactRow = FactRowSource & Columns<ServiceRecord>;
export type ServiceNeedFactRow = FactRowSource & Columns<ServiceNeedRecord>;
/** The code system's column is `code_system` (it holds the OID). */
export type DiagnosisFactRow = FactRowSource & Omit<Columns<DiagnosisRecord>, 'code_system_oid'> & { code_system: DiagnosisRecord['codeSystemOid'] };
export type PatientEventFactRow = FactRowSource & Columns<PatientEventRecord>;
export type MessageRow = Columns<Pick<DocumentInfo, 'msgId' | 'msgType' | 'standard' | 'standardVersion' | 'status' | 'genDate' | 'senderName'>> & {
  recorded_at: Date; doc_key: string | null; event_type: string; document_state: string | null;
};
export type PatientRow = Columns<Omit<PatientRef, 'linkedPseudonyms'>>;

export interface PatientRecordRows {
  patients: PatientRow[];
  services: ServiceFactRow[];
  serviceNeeds: ServiceNeedFactRow[];
  diagnoses: DiagnosisFactRow[];
  events: PatientEventFactRow[];
  messages: MessageRow[];
}

/** The fact row sets of a patient's record; a read may ask for some of them only (the patients and messages always come). */
export type FactSection = 'services' | 'serviceNeeds' | 'diagnoses' | 'events';
export const FACT_SECTIONS: readonly FactSection[] = ['services', 'serviceNeeds', 'diagnoses', 'events'];
