/** Read-model rows for one patient, as the query repository returns them (snake_case columns). */
export interface ServiceFactRow {
  doc_key: string; msg_id: string; msg_type: string; iplos_code: string | null; iplos_text: string | null; description: string | null;
  private_service: boolean | null; provided_by: string | null; amount: string | null; unit: string | null; start_date: string | null;
  end_date: string | null; note: string | null; reported_at: string; sender_name: string | null; retracted: boolean;
}
export interface ServiceNeedFactRow {
  doc_key: string; msg_id: string; msg_type: string; iplos_code: string | null; iplos_text: string | null; description: string | null;
  at_institution: string | null; amount_requested: string | null; unit: string | null; reported_at: string; sender_name: string | null; retracted: boolean;
}
export interface DiagnosisFactRow {
  doc_key: string; msg_id: string; msg_type: string; code_system: string | null; code: string | null; normalized_code: string | null;
  display: string | null; text: string | null; is_main: string; start_date: string | null; end_date: string | null; context: string;
  code_system_mismatch: boolean; reported_at: string; sender_name: string | null; retracted: boolean;
}
export interface PatientEventFactRow {
  doc_key: string; msg_id: string; msg_type: string; kind: string; event_code: string | null; description: string | null; time: string | null;
  estimated: boolean | null; discharged_to: string | null; discharge_condition: string | null; reported_at: string; sender_name: string | null; retracted: boolean;
}
export interface MessageRow {
  msg_id: string; msg_type: string; standard: string; standard_version: string; status: string | null; gen_date: string;
  recorded_at: Date; sender_name: string | null; doc_key: string | null; event_type: string; document_state: string | null;
}
export interface PatientRow {
  pseudonym: string; family_name: string | null; given_name: string | null; birth_date: string | null; sex: string | null; identifier_types: string[];
}

export interface PatientRecordRows {
  patients: PatientRow[];
  services: ServiceFactRow[];
  serviceNeeds: ServiceNeedFactRow[];
  diagnoses: DiagnosisFactRow[];
  events: PatientEventFactRow[];
  messages: MessageRow[];
}

