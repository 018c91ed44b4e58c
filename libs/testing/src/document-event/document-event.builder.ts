import type { DocumentEvent } from '@hub/contracts';

/**
 * A small PLO document event for read-model tests: one version of a document (N, M or C, with
 * its parent), services and a diagnosis per code, and a patient whose pseudonym, name and
 * GenDate the test chooses. Ids are derived from `msgId`, so the same spec gives the same event.
 */
export interface DocumentEventSpec {
  knr: string;
  msgId: string;
  status: 'N' | 'M' | 'C';
  parent?: string;
  codes: string[];
  genDate?: string;
  patient?: string;
  familyName?: string | null;
  explicitId?: string;
}

export function documentEvent(spec: DocumentEventSpec): DocumentEvent {
  const patient = spec.patient ?? 'p1';
  return {
    envelope: {
      eventId: '00000000-0000-5000-8000-' + Buffer.from(spec.msgId).toString('hex').padStart(12, '0').slice(-12),
      eventType: spec.status === 'C' ? 'DOCUMENT_CANCELLED' : spec.status === 'N' ? 'DOCUMENT_RECEIVED' : 'DOCUMENT_REPLACED',
      correlationId: spec.msgId, causationId: spec.msgId, kommunenummer: spec.knr, patientPseudonym: patient, occurredAt: '2024-01-01T10:00:00',
      recordedAt: 1700000000000, schemaVersion: 1, mappingVersion: 'test',
    },
    document: {
      msgId: spec.msgId, msgType: 'INNLEGGELSESRAPPORT', standard: 'PLO', standardVersion: '1.6', status: spec.status, genDate: spec.genDate ?? '2024-01-01T10:00:00',
      explicitDocumentId: spec.explicitId ?? null, refToParent: spec.parent ?? null, refToConversation: null, senderHerIds: ['77'], senderName: 'Testvik', receiverHerIds: ['2'], isTest: false,
    },
    patient: { pseudonym: patient, linkedPseudonyms: [`${patient}-hnr`], identifierTypes: ['FNR'], familyName: spec.familyName ?? null, givenName: null, birthDate: null, sex: null },
    services: spec.codes.map((code) => ({ iplosCode: code, iplosText: null, description: null, privateService: false, providedBy: null, amount: '1', unit: 'timer', startDate: '2024-01-01', endDate: null, note: null })),
    serviceNeeds: [],
    diagnoses: spec.codes.slice(0, 1).map((code) => ({ codeSystemOid: '2.16.578.1.12.4.1.1.7110', code, normalizedCode: code, display: null, text: null, isMain: 'true', startDate: null, endDate: null, context: 'PLO', codeSystemMismatch: false })),
    patientEvents: [],
    appRec: null, warnings: [], notProjectedReason: null,
  };
}
