import { createHmac } from 'node:crypto';
import type { RawMessageRecord } from '@hub/contracts';
import type { ParsedMessage } from '@hub/messages';
import { allPartyHerIds, MAPPING_VERSION, toDocumentEvent } from './document-event.mapper';

const KEY = 'test-key';
const KNR = '3428';
const MSG_ID = '8d0e5c52-6b7a-4d8e-9a43-2f7c1c0b8a11';
const FNR = '13116900216';

/** The pseudonym definition written out independently of libs/contracts. */
const pseudonym = (type: string, value: string) => createHmac('sha256', KEY).update(`${KNR}|${type}|${value}`).digest('base64url').slice(0, 32);

function parsed(o: Partial<ParsedMessage> = {}): ParsedMessage {
  return {
    envelope: 'MsgHead', standard: 'PLO', standardVersion: '1.6', payloadNamespace: 'ns', payloadRoot: 'Innleggelsesrapport',
    msgId: MSG_ID, msgType: 'INNLEGGELSESRAPPORT', genDate: '2024-01-01T10:00:00', status: 'N',
    sender: { organisation: [{ name: 'Sykehuset', herId: '111' }, { name: 'Avdeling', herId: '222' }], healthcareProfessional: { name: 'Lege', herId: '333' } },
    receiver: { organisation: [{ name: 'Kommunen', herId: '444' }] },
    otherReceivers: [],
    patient: { identifiers: [{ type: 'FNR', value: FNR, checksumValid: true }], familyName: 'Nordmann', givenName: 'Kari', middleName: 'Mellom', dateOfBirth: '1969-11-13', sex: '2' },
    services: [], serviceNeeds: [], diagnoses: [], patientEvents: [], attachments: [], warnings: [],
    ...o,
  };
}
const raw: RawMessageRecord = {
  hubMessageId: 'hub-1', kommunenummer: KNR, receivedAt: 1700000000000, gatewayClient: 'gw', msgId: MSG_ID, msgType: 'INNLEGGELSESRAPPORT',
  standard: 'PLO', standardVersion: '1.6', senderHerIds: ['111'], receiverHerIds: ['444'], patientPseudonym: null, contentType: 'application/xml',
  declaredEncoding: null, sha256: 'x', sizeBytes: 1, payload: Buffer.from('<x/>'), transport: null,
};

describe('toDocumentEvent', () => {
  it('maps envelope, document and patient, deterministically', () => {
    const e = toDocumentEvent(parsed({ conversationRef: { refToParent: 'p', refToConversation: 'c' }, explicitDocumentId: 'DOC', processingStatus: 'P' }), raw, KEY);
    expect(e.envelope).toEqual({
      eventId: e.envelope.eventId, eventType: 'DOCUMENT_RECEIVED', correlationId: MSG_ID, causationId: 'hub-1', kommunenummer: KNR,
      patientPseudonym: pseudonym('FNR', FNR), occurredAt: '2024-01-01T10:00:00', recordedAt: 1700000000000, schemaVersion: 1, mappingVersion: MAPPING_VERSION,
    });
    expect(e.envelope.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(e.document).toEqual({
      msgId: MSG_ID, msgType: 'INNLEGGELSESRAPPORT', standard: 'PLO', standardVersion: '1.6', status: 'N', genDate: '2024-01-01T10:00:00',
      // ConversationRef ids that are not UUIDs are scoped by the sender's top HER-id, as the MsgIds they name (#12).
      explicitDocumentId: 'DOC', refToParent: 'her:111|p', refToConversation: 'her:111|c', senderHerIds: ['111', '222', '333'], senderName: 'Sykehuset / Avdeling',
      receiverHerIds: ['444'], isTest: false,
    });
    expect(e.patient).toEqual({
      pseudonym: pseudonym('FNR', FNR), linkedPseudonyms: [], identifierTypes: ['FNR'], familyName: 'Nordmann', givenName: 'Kari Mellom', birthDate: '1969-11-13', sex: '2',
    });
    expect([e.appRec, e.notProjectedReason, e.warnings]).toEqual([null, null, []]);
    // A replay gives the same event, with the same id.
    expect(toDocumentEvent(parsed({ conversationRef: { refToParent: 'p', refToConversation: 'c' }, explicitDocumentId: 'DOC', processingStatus: 'P' }), raw, KEY)).toEqual(e);
  });

  it('gives the event an id of its kommune and message: another kommune or message is another event', () => {
    const id = toDocumentEvent(parsed(), raw, KEY).envelope.eventId;
    expect(toDocumentEvent(parsed(), { ...raw, kommunenummer: '0301' }, KEY).envelope.eventId).not.toBe(id);
    expect(toDocumentEvent(parsed({ msgId: 'other' }), raw, KEY).envelope.eventId).not.toBe(id);
    // Not the id of the raw record (which is built from the same msgId for another purpose).
    expect(toDocumentEvent(parsed(), { ...raw, hubMessageId: 'hub-2' }, KEY).envelope.eventId).toBe(id);
  });

  it('leaves out what the message does not say, as null', () => {
    const e = toDocumentEvent(
      parsed({ sender: { organisation: [{}] }, receiver: { organisation: [] }, patient: { identifiers: [{ type: 'FNR', value: FNR }] } }),
      raw, KEY,
    );
    expect(e.document).toMatchObject({ explicitDocumentId: null, refToParent: null, refToConversation: null, senderHerIds: [], senderName: null, receiverHerIds: [] });
    expect(e.patient).toMatchObject({ familyName: null, givenName: null, birthDate: null, sex: null });
    expect(toDocumentEvent(parsed({ conversationRef: {} }), raw, KEY).document).toMatchObject({ refToParent: null, refToConversation: null });
    expect(toDocumentEvent(parsed({ patient: { identifiers: [{ type: 'FNR', value: FNR }], middleName: 'M' } }), raw, KEY).patient?.givenName).toBe('M');
  });

  it('marks test and debug messages (ProcessingStatus D and T), nothing else', () => {
    expect(toDocumentEvent(parsed({ processingStatus: 'D' }), raw, KEY).document.isTest).toBe(true);
    expect(toDocumentEvent(parsed({ processingStatus: 'T' }), raw, KEY).document.isTest).toBe(true);
    expect(toDocumentEvent(parsed({ processingStatus: 'P' }), raw, KEY).document.isTest).toBe(false);
    expect(toDocumentEvent(parsed({ processingStatus: undefined }), raw, KEY).document.isTest).toBe(false);
  });

  it('classifies by status: N and none received, M and A replaced, C cancelled, H not projected', () => {
    const type = (status: ParsedMessage['status']) => {
      const e = toDocumentEvent(parsed({ status }), raw, KEY);
      return [e.envelope.eventType, e.notProjectedReason];
    };
    expect(type('N')).toEqual(['DOCUMENT_RECEIVED', null]);
    expect(type(null)).toEqual(['DOCUMENT_RECEIVED', null]);
    expect(type('M')).toEqual(['DOCUMENT_REPLACED', null]);
    expect(type('A')).toEqual(['DOCUMENT_REPLACED', null]);
    expect(type('C')).toEqual(['DOCUMENT_CANCELLED', null]);
    expect(type('H')).toEqual(['NOT_PROJECTED', 'Forsendelsesstatus H (Historikk) is not a document event']);
  });

  it('does not project a message without a usable patient identifier, nor an unmapped one; an AppRec is its own kind', () => {
    const noPatient = toDocumentEvent(parsed({ patient: undefined }), raw, KEY);
    expect([noPatient.envelope.eventType, noPatient.notProjectedReason, noPatient.patient, noPatient.envelope.patientPseudonym]).toEqual([
      'NOT_PROJECTED', 'No usable patient identifier', null, null,
    ]);
    const other = toDocumentEvent(parsed({ standard: 'OTHER', msgType: 'FOO', payloadRoot: 'Bar' }), raw, KEY);
    expect([other.envelope.eventType, other.notProjectedReason]).toEqual(['NOT_PROJECTED', 'No mapping for FOO (Bar)']);
    const appRec = toDocumentEvent(
      parsed({ standard: 'APPREC', status: null, patient: undefined, appRec: { status: '2', originalMsgId: 'orig', errors: [{ code: 'E10', text: 't' }, { code: 'X99' }] } }),
      raw, KEY,
    );
    expect([appRec.envelope.eventType, appRec.notProjectedReason]).toEqual(['APPREC_RECEIVED', null]);
    // The MsgId it answers, as the key it was stored under: not a UUID, so scoped by the AppRec's receiver (the original's sender, #12).
    expect(appRec.appRec).toEqual({ status: '2', originalMsgId: 'her:444|orig', originalMsgType: null, errorCodes: ['E10', 'X99'] });
    expect(toDocumentEvent(parsed({ standard: 'APPREC', appRec: { status: '1', originalMsgId: 'o', originalMsgType: 'X', errors: [] } }), raw, KEY).appRec?.originalMsgType).toBe('X');
  });

  it('carries every fact field, absent ones as null', () => {
    const full = toDocumentEvent(
      parsed({
        services: [{ iplosCode: '20', iplosText: 't', description: 'd', privateService: true, providedBy: 'p', amount: '0.5', unit: 'u', startDate: 's', endDate: 'e', note: 'n' }, {}],
        serviceNeeds: [{ iplosCode: '21', iplosText: 't', description: 'd', atInstitution: 'a', amountRequested: '1', unit: 'u' }, {}],
        diagnoses: [
          { codeSystemOid: 'o', code: 'J18.9', normalizedCode: 'J189', display: 'd', text: 't', isMain: 'true', startDate: 's', endDate: 'e', context: 'EPIKRISE', codeSystemMismatch: true },
          { isMain: 'unknown', context: 'PLO' },
        ],
        patientEvents: [{ kind: 'DISCHARGED', eventCode: '2', description: 'd', time: 't', estimated: false, dischargedTo: 'hjem', dischargeCondition: 'c' }, { kind: 'DEATH' }],
        warnings: ['w'],
      }),
      raw, KEY,
    );
    expect(full.services).toEqual([
      { iplosCode: '20', iplosText: 't', description: 'd', privateService: true, providedBy: 'p', amount: '0.5', unit: 'u', startDate: 's', endDate: 'e', note: 'n' },
      { iplosCode: null, iplosText: null, description: null, privateService: null, providedBy: null, amount: null, unit: null, startDate: null, endDate: null, note: null },
    ]);
    expect(full.serviceNeeds).toEqual([
      { iplosCode: '21', iplosText: 't', description: 'd', atInstitution: 'a', amountRequested: '1', unit: 'u' },
      { iplosCode: null, iplosText: null, description: null, atInstitution: null, amountRequested: null, unit: null },
    ]);
    expect(full.diagnoses).toEqual([
      { codeSystemOid: 'o', code: 'J18.9', normalizedCode: 'J189', display: 'd', text: 't', isMain: 'true', startDate: 's', endDate: 'e', context: 'EPIKRISE', codeSystemMismatch: true },
      { codeSystemOid: null, code: null, normalizedCode: null, display: null, text: null, isMain: 'unknown', startDate: null, endDate: null, context: 'PLO', codeSystemMismatch: false },
    ]);
    expect(full.patientEvents).toEqual([
      { kind: 'DISCHARGED', eventCode: '2', description: 'd', time: 't', estimated: false, dischargedTo: 'hjem', dischargeCondition: 'c' },
      { kind: 'DEATH', eventCode: null, description: null, time: null, estimated: null, dischargedTo: null, dischargeCondition: null },
    ]);
    expect(full.warnings).toEqual(['w']);
  });

  it('lists each HER-id once, the professional\'s after the organisation chain', () => {
    const e = toDocumentEvent(parsed({ sender: { organisation: [{ herId: '1' }, { name: 'x' }, { herId: '1' }], healthcareProfessional: { herId: '1' } } }), raw, KEY);
    expect(e.document.senderHerIds).toEqual(['1']);
    expect(e.document.senderName).toBe('x');
    const noHer = toDocumentEvent(parsed({ sender: { organisation: [{ herId: '1' }], healthcareProfessional: { name: 'Lege' } } }), raw, KEY);
    expect(noHer.document.senderHerIds).toEqual(['1']);
  });
});

describe('the patient of the event', () => {
  it('scopes an H-nummer by the first HER-id of the sender\'s organisation chain', () => {
    const hnrOnly = { identifiers: [{ type: 'HNR', value: '12345', checksumValid: true }] };
    const e = toDocumentEvent(parsed({ patient: hnrOnly, sender: { organisation: [{ name: 'Uten HER' }, { herId: '222' }, { herId: '333' }] } }), raw, KEY);
    expect(e.patient?.pseudonym).toBe(pseudonym('HNR', '222:12345'));
    expect(e.envelope.patientPseudonym).toBe(pseudonym('HNR', '222:12345'));
  });
});

describe('allPartyHerIds', () => {
  it('gives the HER-ids of sender, receiver and every other receiver, each once', () => {
    expect(
      allPartyHerIds(parsed({ otherReceivers: [{ organisation: [{ herId: '555' }, { herId: '111' }] }, { organisation: [], healthcareProfessional: { herId: '666' } }] })).sort(),
    ).toEqual(['111', '222', '333', '444', '555', '666']);
  });
});
