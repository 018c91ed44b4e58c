/** Value of `hendelseslager.kommune.<knr>.events.v1`; mirrors schemas/document-event.avsc. */
export const DOCUMENT_EVENT_SCHEMA_VERSION = 1;

export type DocumentEventType =
  | 'DOCUMENT_RECEIVED'
  | 'DOCUMENT_REPLACED'
  | 'DOCUMENT_CANCELLED'
  | 'APPREC_RECEIVED'
  | 'NOT_PROJECTED';

export interface EventEnvelope {
  eventId: string;
  eventType: DocumentEventType;
  correlationId: string;
  causationId: string;
  kommunenummer: string;
  patientPseudonym: string | null;
  occurredAt: string;
  recordedAt: number;
  schemaVersion: number;
  mappingVersion: string;
}

export interface DocumentInfo {
  /** The message key (libs/contracts messageKey): the MsgId when a UUID, else her:<sender HER-id>|<MsgId>. */
  msgId: string;
  msgType: string;
  standard: string;
  standardVersion: string;
  status: string | null;
  genDate: string;
  explicitDocumentId: string | null;
  refToParent: string | null;
  refToConversation: string | null;
  senderHerIds: string[];
  senderName: string | null;
  receiverHerIds: string[];
  isTest: boolean;
}

export interface PatientRef {
  pseudonym: string;
  linkedPseudonyms: string[];
  identifierTypes: string[];
  familyName: string | null;
  givenName: string | null;
  birthDate: string | null;
  sex: string | null;
}

export interface ServiceRecord {
  iplosCode: string | null;
  iplosText: string | null;
  description: string | null;
  privateService: boolean | null;
  providedBy: string | null;
  amount: string | null;
  unit: string | null;
  startDate: string | null;
  endDate: string | null;
  note: string | null;
}

export interface ServiceNeedRecord {
  iplosCode: string | null;
  iplosText: string | null;
  description: string | null;
  atInstitution: string | null;
  amountRequested: string | null;
  unit: string | null;
}

export interface DiagnosisRecord {
  codeSystemOid: string | null;
  code: string | null;
  normalizedCode: string | null;
  display: string | null;
  text: string | null;
  isMain: string;
  startDate: string | null;
  endDate: string | null;
  context: string;
  codeSystemMismatch: boolean;
}

export interface PatientEventRecord {
  kind: string;
  eventCode: string | null;
  description: string | null;
  time: string | null;
  estimated: boolean | null;
  dischargedTo: string | null;
  dischargeCondition: string | null;
}

export interface DocumentEvent {
  envelope: EventEnvelope;
  document: DocumentInfo;
  patient: PatientRef | null;
  services: ServiceRecord[];
  serviceNeeds: ServiceNeedRecord[];
  diagnoses: DiagnosisRecord[];
  patientEvents: PatientEventRecord[];
  appRec: { status: string; originalMsgId: string; originalMsgType: string | null; errorCodes: string[] } | null;
  warnings: string[];
  notProjectedReason: string | null;
}
