import { DOCUMENT_EVENT_SCHEMA_VERSION, DocumentEvent, DocumentEventType, messageKey, RawMessageRecord, uuidV5 } from '@hub/contracts';
import { partyHerIds, topHerId, type ParsedMessage } from '@hub/messages';
import { resolvePatientPseudonyms } from './patient-identity';

/**
 * Version of the mapping from messages to events. Raise it with every change to what a message
 * yields, so a replay's corrected events can be told from the old ones.
 */
export const MAPPING_VERSION = '2026.12.1';

/**
 * Maps a parsed message and its raw record to the one document event it yields in that
 * kommune. Pure and deterministic (no clock, no randomness): a replay gives the same event.
 */
export function toDocumentEvent(parsed: ParsedMessage, raw: RawMessageRecord, pseudonymKey: string): DocumentEvent {
  const knr = raw.kommunenummer;
  const senderTopHer = senderTopHerId(parsed);
  const patient = resolvePatientPseudonyms(pseudonymKey, knr, parsed.patient, senderTopHer);
  const { eventType, notProjectedReason } = classify(parsed, patient !== undefined);
  // The message and the messages it names are identified by their message keys (libs/contracts
  // messageKey): a MsgId that is not a UUID is scoped by the sender, so two senders' "1" stay two
  // documents. A ConversationRef names a message of the same conversation, from the same sender.
  const key = messageKeyOf(parsed);
  const ref = (msgId: string | undefined) => (msgId === undefined ? null : messageKey(msgId, senderTopHer));
  return {
    envelope: {
      eventId: uuidV5(`${knr}|${key}|document-event`),
      eventType,
      correlationId: parsed.msgId,
      causationId: raw.hubMessageId,
      kommunenummer: knr,
      patientPseudonym: patient?.primary ?? null,
      occurredAt: parsed.genDate,
      recordedAt: raw.receivedAt,
      schemaVersion: DOCUMENT_EVENT_SCHEMA_VERSION,
      mappingVersion: MAPPING_VERSION,
    },
    document: {
      msgId: key,
      msgType: parsed.msgType,
      standard: parsed.standard,
      standardVersion: parsed.standardVersion,
      status: parsed.status,
      genDate: parsed.genDate,
      explicitDocumentId: parsed.explicitDocumentId ?? null,
      refToParent: ref(parsed.conversationRef?.refToParent),
      refToConversation: ref(parsed.conversationRef?.refToConversation),
      senderHerIds: herIds(parsed.sender),
      senderName: parsed.sender.organisation.map((o) => o.name).filter(Boolean).join(' / ') || null,
      receiverHerIds: herIds(parsed.receiver),
      isTest: parsed.processingStatus === 'D' || parsed.processingStatus === 'T',
    },
    patient: patient
      ? {
          pseudonym: patient.primary,
          linkedPseudonyms: patient.linked,
          identifierTypes: patient.identifierTypes,
          familyName: parsed.patient?.familyName ?? null,
          givenName: [parsed.patient?.givenName, parsed.patient?.middleName].filter(Boolean).join(' ') || null,
          birthDate: parsed.patient?.dateOfBirth ?? null,
          sex: parsed.patient?.sex ?? null,
        }
      : null,
    services: parsed.services.map((s) => ({
      iplosCode: s.iplosCode ?? null,
      iplosText: s.iplosText ?? null,
      description: s.description ?? null,
      privateService: s.privateService ?? null,
      providedBy: s.providedBy ?? null,
      amount: s.amount ?? null,
      unit: s.unit ?? null,
      startDate: s.startDate ?? null,
      endDate: s.endDate ?? null,
      note: s.note ?? null,
    })),
    serviceNeeds: parsed.serviceNeeds.map((n) => ({
      iplosCode: n.iplosCode ?? null,
      iplosText: n.iplosText ?? null,
      description: n.description ?? null,
      atInstitution: n.atInstitution ?? null,
      amountRequested: n.amountRequested ?? null,
      unit: n.unit ?? null,
    })),
    diagnoses: parsed.diagnoses.map((d) => ({
      codeSystemOid: d.codeSystemOid ?? null,
      code: d.code ?? null,
      normalizedCode: d.normalizedCode ?? null,
      display: d.display ?? null,
      text: d.text ?? null,
      isMain: d.isMain,
      startDate: d.startDate ?? null,
      endDate: d.endDate ?? null,
      context: d.context,
      codeSystemMismatch: d.codeSystemMismatch ?? false,
    })),
    patientEvents: parsed.patientEvents.map((e) => ({
      kind: e.kind,
      eventCode: e.eventCode ?? null,
      description: e.description ?? null,
      time: e.time ?? null,
      estimated: e.estimated ?? null,
      dischargedTo: e.dischargedTo ?? null,
      dischargeCondition: e.dischargeCondition ?? null,
    })),
    appRec: parsed.appRec
      ? {
          status: parsed.appRec.status,
          // The original was sent by the party this AppRec goes to.
          originalMsgId: messageKey(parsed.appRec.originalMsgId, topHerId(parsed.receiver)),
          originalMsgType: parsed.appRec.originalMsgType ?? null,
          errorCodes: parsed.appRec.errors.map((e) => e.code),
        }
      : null,
    warnings: parsed.warnings,
    notProjectedReason,
  };
}

function classify(parsed: ParsedMessage, hasPatient: boolean): { eventType: DocumentEventType; notProjectedReason: string | null } {
  if (parsed.standard === 'APPREC') return { eventType: 'APPREC_RECEIVED', notProjectedReason: null };
  if (parsed.standard === 'OTHER') return { eventType: 'NOT_PROJECTED', notProjectedReason: `No mapping for ${parsed.msgType} (${parsed.payloadRoot})` };
  if (!hasPatient) return { eventType: 'NOT_PROJECTED', notProjectedReason: 'No usable patient identifier' };
  switch (parsed.status) {
    case null:
    case 'N':
      return { eventType: 'DOCUMENT_RECEIVED', notProjectedReason: null };
    case 'M':
    case 'A':
      return { eventType: 'DOCUMENT_REPLACED', notProjectedReason: null };
    case 'C':
      return { eventType: 'DOCUMENT_CANCELLED', notProjectedReason: null };
    case 'H':
      return { eventType: 'NOT_PROJECTED', notProjectedReason: 'Forsendelsesstatus H (Historikk) is not a document event' };
  }
}

function herIds(party: ParsedMessage['sender']): string[] {
  return partyHerIds(party);
}

/** All HER-ids of every party of a message (sender, receiver, other receivers), for kommune routing. */
export function allPartyHerIds(parsed: ParsedMessage): string[] {
  return [...new Set([parsed.sender, parsed.receiver, ...parsed.otherReceivers].flatMap(herIds))];
}

/** The sender's top-level HER-id (canonical): scopes H-nummer, explicit document ids and non-UUID MsgIds. */
export function senderTopHerId(parsed: ParsedMessage): string | undefined {
  return topHerId(parsed.sender);
}

/** The hub's identity of the message (libs/contracts messageKey): its MsgId, scoped by the sender unless a UUID. */
export function messageKeyOf(parsed: ParsedMessage): string {
  return messageKey(parsed.msgId, senderTopHerId(parsed));
}
