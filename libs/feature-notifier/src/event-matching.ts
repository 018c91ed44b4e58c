import type { DocumentEvent } from '@hub/contracts';
import { SUBSCRIPTION_TOPICS } from '@hub/fhir';
import type { MatchableEvent } from '@hub/persistence';

const DOCUMENT_EVENTS = new Set(['DOCUMENT_RECEIVED', 'DOCUMENT_REPLACED', 'DOCUMENT_CANCELLED']);
const ALL_TYPES = ['EpisodeOfCare', 'Condition', 'Encounter'];

/**
 * What an event means to subscriptions: a document event about a patient is a `message-received`
 * event; when it changes what the FHIR API shows (facts added, or a replacement or cancellation
 * that removes facts) also a `patient-record-changed` event for the resource types it touches.
 * AppRecs, events that are not projected and events without a patient notify nobody.
 */
export function matchableEvent(event: DocumentEvent): MatchableEvent | undefined {
  const { envelope } = event;
  if (!DOCUMENT_EVENTS.has(envelope.eventType) || !envelope.patientPseudonym) return undefined;
  const resourceTypes =
    envelope.eventType === 'DOCUMENT_RECEIVED'
      ? [...(event.services.length ? ['EpisodeOfCare'] : []), ...(event.diagnoses.length ? ['Condition'] : []), ...(event.patientEvents.length ? ['Encounter'] : [])]
      : ALL_TYPES;
  return {
    kommunenummer: envelope.kommunenummer,
    eventId: envelope.eventId,
    msgKey: event.document.msgId,
    eventType: envelope.eventType,
    topics: [SUBSCRIPTION_TOPICS.messageReceived, ...(resourceTypes.length ? [SUBSCRIPTION_TOPICS.patientRecordChanged] : [])],
    pseudonyms: [...new Set([envelope.patientPseudonym, ...(event.patient?.linkedPseudonyms ?? [])])],
    resourceTypes,
    occurredAt: envelope.occurredAt,
    recordedAt: new Date(envelope.recordedAt),
  };
}
