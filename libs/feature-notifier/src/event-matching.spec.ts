import type { DocumentEvent } from '@hub/contracts';
import { SUBSCRIPTION_TOPICS } from '@hub/fhir';
import { matchableEvent } from './event-matching';

const event = (over: Partial<DocumentEvent> & { type?: string; pseudonym?: string | null } = {}): DocumentEvent =>
  ({
    envelope: { eventId: 'e1', eventType: over.type ?? 'DOCUMENT_RECEIVED', correlationId: 'm1', causationId: 'm1', kommunenummer: '0301', patientPseudonym: over.pseudonym === undefined ? 'p1' : over.pseudonym, occurredAt: '2024-01-02T08:00:00Z', recordedAt: 1_700_000_000_000, schemaVersion: 1, mappingVersion: '1' },
    document: { msgId: 'm1' },
    patient: { pseudonym: 'p1', linkedPseudonyms: ['p2', 'p1'] },
    services: [],
    serviceNeeds: [],
    diagnoses: [],
    patientEvents: [],
    appRec: null,
    warnings: [],
    notProjectedReason: null,
    ...over,
  }) as unknown as DocumentEvent;

describe('matchableEvent', () => {
  it('a received document with facts: both topics, the types of its facts, every pseudonym of the patient once', () => {
    const m = matchableEvent(event({ services: [{}] as DocumentEvent['services'], patientEvents: [{}] as DocumentEvent['patientEvents'] }))!;
    expect(m).toMatchObject({ kommunenummer: '0301', eventId: 'e1', msgKey: 'm1', eventType: 'DOCUMENT_RECEIVED', resourceTypes: ['EpisodeOfCare', 'Encounter'], pseudonyms: ['p1', 'p2'] });
    expect(m.topics).toEqual([SUBSCRIPTION_TOPICS.messageReceived, SUBSCRIPTION_TOPICS.patientRecordChanged]);
    expect(m.recordedAt).toEqual(new Date(1_700_000_000_000));
  });

  it('a received document without facts is only a message-received event', () => {
    expect(matchableEvent(event())).toMatchObject({ topics: [SUBSCRIPTION_TOPICS.messageReceived], resourceTypes: [] });
  });

  it('a replacement or cancellation may remove any fact: every type', () => {
    for (const type of ['DOCUMENT_REPLACED', 'DOCUMENT_CANCELLED']) expect(matchableEvent(event({ type }))!.resourceTypes).toEqual(['EpisodeOfCare', 'Condition', 'Encounter']);
  });

  it('AppRecs, events not projected and events without a patient notify nobody', () => {
    expect(matchableEvent(event({ type: 'APPREC_RECEIVED' }))).toBeUndefined();
    expect(matchableEvent(event({ type: 'NOT_PROJECTED' }))).toBeUndefined();
    expect(matchableEvent(event({ pseudonym: null }))).toBeUndefined();
  });
});
