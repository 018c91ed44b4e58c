import fc from 'fast-check';
import type { DocumentEvent, ServiceRecord } from '@hub/contracts';
import { InMemoryReadModel } from './in-memory-read-model.fake';
import { ReadModelProjector } from './read-model.projector';

const KNR = '3428';
const service = (iplosCode: string, amount: string): ServiceRecord => ({
  iplosCode, amount, iplosText: null, description: null, privateService: false, providedBy: null, unit: 'timer', startDate: '2017-01-01', endDate: null, note: null,
});

function event(msgId: string, status: 'N' | 'M' | 'C' | 'A' | 'H', opts: { parent?: string; services?: ServiceRecord[]; genDate?: string; explicitId?: string } = {}): DocumentEvent {
  return {
    envelope: {
      eventId: `e-${msgId}`, eventType: status === 'C' ? 'DOCUMENT_CANCELLED' : status === 'N' ? 'DOCUMENT_RECEIVED' : 'DOCUMENT_REPLACED',
      correlationId: msgId, causationId: `raw-${msgId}`, kommunenummer: KNR, patientPseudonym: 'p1', occurredAt: opts.genDate ?? '2018-01-01T10:00:00', recordedAt: 0, schemaVersion: 1, mappingVersion: 't',
    },
    document: {
      msgId, msgType: 'INNLEGGELSESRAPPORT', standard: 'PLO', standardVersion: '1.6', status, genDate: opts.genDate ?? '2018-01-01T10:00:00',
      explicitDocumentId: opts.explicitId ?? null, refToParent: opts.parent ?? null, refToConversation: null, senderHerIds: ['99387'], senderName: 'Alvdal', receiverHerIds: ['59'], isTest: false,
    },
    patient: { pseudonym: 'p1', linkedPseudonyms: [], identifierTypes: ['FNR'], familyName: null, givenName: null, birthDate: null, sex: null },
    services: opts.services ?? [], serviceNeeds: [], diagnoses: [], patientEvents: [], appRec: null, warnings: [], notProjectedReason: null,
  };
}

async function project(events: DocumentEvent[]): Promise<InMemoryReadModel> {
  const store = new InMemoryReadModel();
  const projector = new ReadModelProjector();
  let offset = 0;
  for (const e of events) await projector.apply(store, e, { topic: 't', partition: 0, offset: String(offset++) });
  return store;
}

describe('ReadModelProjector: N / M / C in any order', () => {
  const n = event('n1', 'N', { services: [service('20', '1')] });
  const m = event('m1', 'M', { parent: 'n1', services: [service('20', '2')], genDate: '2018-01-02T10:00:00' });
  const m2 = event('m2', 'M', { parent: 'm1', services: [service('20', '3')], genDate: '2018-01-01T09:00:00' });
  const c = event('c1', 'C', { parent: 'm2', services: [service('20', '3')] });

  it('N then M shows the changed content only', async () => {
    expect((await project([n, m])).visibleServiceCodes(KNR)).toEqual(['20:2']);
  });

  it('orders versions by chain position, not by GenDate or arrival', async () => {
    // m2 has an earlier GenDate than m1 but is deeper in the chain, so it wins.
    for (const order of [[n, m, m2], [m2, m, n], [m, n, m2]]) {
      expect((await project(order)).visibleServiceCodes(KNR)).toEqual(['20:3']);
    }
  });

  it('a cancellation wins whichever order the chain arrives in', async () => {
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray([n, m, m2, c], { minLength: 4, maxLength: 4 }), async (order) => {
        const store = await project(order);
        expect(store.visibleServiceCodes(KNR)).toEqual([]);
        expect(store.documents.get(`${KNR}|msg:n1`)?.state).toBe('CANCELLED');
      }),
      { numRuns: 24 },
    );
  });

  it('a change that arrives before its original is parked, then applied', async () => {
    const parked = await project([m]);
    expect(parked.visibleServiceCodes(KNR)).toEqual([]);
    expect(parked.versions.get(`${KNR}|m1`)?.docKey).toBeNull();
    const resolved = await project([m, n]);
    expect(resolved.visibleServiceCodes(KNR)).toEqual(['20:2']);
  });

  it('never projects content from a C message, even though it repeats the body', async () => {
    const store = await project([c, n]);
    expect(store.visibleServiceCodes(KNR)).toEqual(['20:1']); // c's parent m2 is unknown, so n stands alone
    expect(store.versions.get(`${KNR}|c1`)?.docKey).toBeNull();
  });

  it('is idempotent: duplicates and redeliveries change nothing', async () => {
    const once = await project([n, m]);
    const twice = await project([n, m, m, n, m]);
    expect(twice.visibleServiceCodes(KNR)).toEqual(once.visibleServiceCodes(KNR));
    expect([...twice.documents.values()]).toEqual([...once.documents.values()]);
  });

  it('uses the standard\'s own document id across N / M / C (epikrise, henvisning)', async () => {
    const en = event('x1', 'N', { explicitId: 'DOC-1', services: [service('1', '1')] });
    const em = event('x2', 'M', { explicitId: 'DOC-1', services: [service('1', '2')] });
    const ec = event('x3', 'C', { explicitId: 'DOC-1' });
    expect((await project([em, en])).visibleServiceCodes(KNR)).toEqual(['1:2']);
    expect((await project([ec, en, em])).visibleServiceCodes(KNR)).toEqual([]);
  });

  it('treats A (Tillegg) as a change and H (Historikk) as not a document event', async () => {
    const a = event('a1', 'A', { parent: 'n1', services: [service('20', '9')] });
    expect((await project([n, a])).visibleServiceCodes(KNR)).toEqual(['20:9']);
    const h = event('h1', 'H', { parent: 'n1', services: [service('20', '7')] });
    expect((await project([n, h])).visibleServiceCodes(KNR)).toEqual(['20:1']);
  });
});

describe('ReadModelProjector.applyBatches', () => {
  const n = event('n1', 'N', { services: [service('20', '1')] });
  const m = event('m1', 'M', { parent: 'n1', services: [service('20', '2')], genDate: '2018-01-02T10:00:00' });

  it('applies every batch in offset order, prefetches them all once and stores each partition next offset', async () => {
    const store = new InMemoryReadModel();
    const prefetched: string[][] = [];
    const tx = Object.assign(store, { prefetch: async (events: DocumentEvent[]) => void prefetched.push(events.map((e) => e.document.msgId)) });
    await new ReadModelProjector().applyBatches(tx, [
      { topic: 't', partition: 0, storedNext: 5n, last: '6', events: [{ offset: '5', event: m }, { offset: '6', event: n }] },
      { topic: 't', partition: 1, storedNext: 0n, last: '2', events: [] },
    ]);
    expect(prefetched).toEqual([['m1', 'n1']]);
    expect(store.visibleServiceCodes(KNR)).toEqual(['20:2']);
    // A batch of only undecodable records still moves its partition on.
    expect(Object.fromEntries(store.offsets)).toEqual({ 't|0': '7', 't|1': '3' });
  });

  it('never moves an offset back when the generation is already ahead of the batch', async () => {
    const store = new InMemoryReadModel();
    await new ReadModelProjector().applyBatches(store, [{ topic: 't', partition: 0, storedNext: 10n, last: '6', events: [] }]);
    expect(store.offsets.size).toBe(0);
  });
});

describe('ReadModelProjector: document keys, placement and replays', () => {
  const withSender = (e: DocumentEvent, senderHerIds: string[]): DocumentEvent => ({ ...e, document: { ...e.document, senderHerIds } });
  const withType = (e: DocumentEvent, eventType: DocumentEvent['envelope']['eventType']): DocumentEvent => ({ ...e, envelope: { ...e.envelope, eventType } });
  const docKeyOf = (store: InMemoryReadModel, msgId: string) => store.versions.get(`${KNR}|${msgId}`)?.docKey;

  it('keeps the same document id from two senders apart: the id is scoped by the sender\'s outermost HER-id', async () => {
    const fromA = withSender(event('a1', 'N', { explicitId: 'DOC-1', services: [service('1', '1')] }), ['100', '101']);
    const fromB = withSender(event('b1', 'C', { explicitId: 'DOC-1' }), ['200', '101']);
    const store = await project([fromA, fromB]);
    expect([docKeyOf(store, 'a1'), docKeyOf(store, 'b1')]).toEqual(['doc:100:DOC-1', 'doc:200:DOC-1']);
    // B's cancellation does not cancel A's document.
    expect(store.visibleServiceCodes(KNR)).toEqual(['1:1']);
    expect(store.documents.get(`${KNR}|doc:100:DOC-1`)?.state).toBe('ACTIVE');
    // Without a sender HER-id the id is still a document key, of its own.
    const anonymous = await project([withSender(event('c1', 'N', { explicitId: 'DOC-1' }), [])]);
    expect(docKeyOf(anonymous, 'c1')).toBe('doc:unknown:DOC-1');
  });

  it('a message without an explicit id starts a document keyed by its own MsgId; an M with an explicit id is one deeper than its N', async () => {
    const store = await project([event('n1', 'N'), event('x2', 'M', { explicitId: 'D' }), event('x1', 'N', { explicitId: 'D' })]);
    expect(docKeyOf(store, 'n1')).toBe('msg:n1');
    expect([store.versions.get(`${KNR}|x1`)?.chainDepth, store.versions.get(`${KNR}|x2`)?.chainDepth]).toEqual([0, 1]);
    expect(store.documents.get(`${KNR}|doc:99387:D`)).toEqual({ docKey: 'doc:99387:D', msgType: 'INNLEGGELSESRAPPORT', patient: 'p1', state: 'ACTIVE', currentMsgId: 'x2', versionCount: 2 });
  });

  it('never lets H (Historikk), a not-projected message or an AppRec join a document, even with a parent or a document id', async () => {
    const n = event('n1', 'N', { services: [service('20', '1')] });
    const h = event('h1', 'H', { parent: 'n1', explicitId: 'D', services: [service('20', '7')] });
    const notProjected = withType(event('x1', 'M', { parent: 'n1', explicitId: 'D', services: [service('20', '8')] }), 'NOT_PROJECTED');
    const appRec = withType(event('r1', 'M', { parent: 'n1', services: [service('20', '9')] }), 'APPREC_RECEIVED');
    const store = await project([n, h, notProjected, appRec]);
    expect([docKeyOf(store, 'h1'), docKeyOf(store, 'x1'), docKeyOf(store, 'r1')]).toEqual(['msg:h1', 'msg:x1', 'msg:r1']);
    expect(store.documents.get(`${KNR}|msg:n1`)).toMatchObject({ currentMsgId: 'n1', versionCount: 1, state: 'ACTIVE' });
    // Their own documents carry no facts: only the N's service is visible.
    expect(store.visibleServiceCodes(KNR)).toEqual(['20:1']);
    expect(store.facts.get(`${KNR}|msg:h1`)).toEqual({ version: undefined, retracted: false });
    expect(store.facts.get(`${KNR}|msg:x1`)).toEqual({ version: undefined, retracted: false });
    expect(store.facts.get(`${KNR}|msg:r1`)).toEqual({ version: undefined, retracted: false });
  });

  it('a change without any reference stands alone as its own document', async () => {
    const store = await project([event('m9', 'M', { services: [service('20', '5')] })]);
    expect(docKeyOf(store, 'm9')).toBe('msg:m9');
    expect(store.visibleServiceCodes(KNR)).toEqual(['20:5']);
  });

  it('recomputes a document when a replay brings corrected content for a version already placed', async () => {
    const n = event('n1', 'N', { services: [service('20', '1')] });
    const m = event('m1', 'M', { parent: 'n1', services: [service('20', '2')], genDate: '2018-01-02T10:00:00' });
    const store = await project([n, m]);
    const corrected = { ...m, services: [service('20', '2.5')], envelope: { ...m.envelope, mappingVersion: 't2' } };
    await new ReadModelProjector().apply(store, corrected, { topic: 't', partition: 0, offset: '9' });
    expect(store.visibleServiceCodes(KNR)).toEqual(['20:2.5']);
    // A replay of a version that is not current leaves the current one shown.
    const correctedN = { ...n, services: [service('20', '1.5')] };
    await new ReadModelProjector().apply(store, correctedN, { topic: 't', partition: 0, offset: '10' });
    expect(store.visibleServiceCodes(KNR)).toEqual(['20:2.5']);
  });

  it('adopts parked changes through any depth when the original arrives last, each one level deeper', async () => {
    const n = event('n1', 'N', { services: [service('20', '1')] });
    const m1 = event('m1', 'M', { parent: 'n1', services: [service('20', '2')] });
    const m2 = event('m2', 'M', { parent: 'm1', services: [service('20', '3')] });
    const m3 = event('m3', 'M', { parent: 'm2', services: [service('20', '4')] });
    const store = await project([m3, m2, m1, n]);
    expect(['n1', 'm1', 'm2', 'm3'].map((id) => [docKeyOf(store, id), store.versions.get(`${KNR}|${id}`)?.chainDepth])).toEqual([
      ['msg:n1', 0], ['msg:n1', 1], ['msg:n1', 2], ['msg:n1', 3],
    ]);
    expect(store.visibleServiceCodes(KNR)).toEqual(['20:4']);
    expect(store.documents.get(`${KNR}|msg:n1`)).toMatchObject({ currentMsgId: 'm3', versionCount: 4, state: 'ACTIVE' });
  });

  it('a document of only a cancellation is cancelled, a parked change leaves nothing visible, a patient-less version shows no facts', async () => {
    const cOnly = await project([event('x3', 'C', { explicitId: 'D', services: [service('1', '1')] })]);
    expect(cOnly.documents.get(`${KNR}|doc:99387:D`)).toEqual({ docKey: 'doc:99387:D', msgType: 'INNLEGGELSESRAPPORT', patient: 'p1', state: 'CANCELLED', currentMsgId: null, versionCount: 1 });
    expect(cOnly.facts.get(`${KNR}|doc:99387:D`)).toEqual({ version: undefined, retracted: true });
    const noPatient = { ...event('n1', 'N', { services: [service('20', '1')] }), patient: null };
    const store = await project([noPatient]);
    expect(store.facts.get(`${KNR}|msg:n1`)).toEqual({ version: undefined, retracted: false });
    expect(store.documents.get(`${KNR}|msg:n1`)).toMatchObject({ patient: null, state: 'ACTIVE' });
    expect(store.patients.size).toBe(0);
  });

  it('stores what the version says about itself', async () => {
    const store = await project([event('n1', 'N', { genDate: '2018-03-01T10:00:00' })]);
    expect(store.versions.get(`${KNR}|n1`)).toEqual({
      msgId: 'n1', eventId: 'e-n1', eventType: 'DOCUMENT_RECEIVED', msgType: 'INNLEGGELSESRAPPORT', standard: 'PLO', standardVersion: '1.6', status: 'N',
      explicitDocId: null, refToParent: null, refToConversation: null, docKey: 'msg:n1', chainDepth: 0, patient: 'p1', genDate: '2018-03-01T10:00:00',
      recordedAt: 0, senderName: 'Alvdal', senderHerIds: ['99387'], facts: { services: [], serviceNeeds: [], diagnoses: [], patientEvents: [] },
      source: { topic: 't', partition: 0, offset: '0' },
    });
    expect(store.patients.get(`${KNR}|p1`)).toMatchObject({ pseudonym: 'p1' });
  });
});

describe('ReadModelProjector: order of versions and document state', () => {
  const docOf = (store: InMemoryReadModel, key: string) => store.documents.get(`${KNR}|${key}`);

  it('orders versions at the same chain depth by GenDate, then by MsgId', async () => {
    const n = event('n1', 'N', { services: [service('20', '1')] });
    const early = event('m-b', 'M', { parent: 'n1', services: [service('20', 'early')], genDate: '2018-01-02T10:00:00' });
    const late = event('m-a', 'M', { parent: 'n1', services: [service('20', 'late')], genDate: '2018-01-03T10:00:00' });
    for (const order of [[n, early, late], [n, late, early]]) {
      const store = await project(order);
      expect(store.visibleServiceCodes(KNR)).toEqual(['20:late']);
      expect(docOf(store, 'msg:n1')).toMatchObject({ currentMsgId: 'm-a', versionCount: 3 });
    }
    const sameTime = [event('m-a', 'M', { parent: 'n1', services: [service('20', 'a')] }), event('m-b', 'M', { parent: 'n1', services: [service('20', 'b')] })];
    for (const order of [[n, ...sameTime], [n, sameTime[1], sameTime[0]]]) {
      expect((await project(order)).visibleServiceCodes(KNR)).toEqual(['20:b']);
    }
  });

  it('an N, or a message without status, starts its own document even when it names a parent', async () => {
    const n = event('n1', 'N', { services: [service('20', '1')] });
    const secondN = event('n2', 'N', { parent: 'n1', services: [service('21', '1')] });
    const base = event('d1', 'N', { parent: 'n1', services: [service('22', '1')] });
    const dialog: DocumentEvent = { ...base, document: { ...base.document, status: null } };
    const store = await project([n, secondN, dialog]);
    expect(['n1', 'n2', 'd1'].map((id) => store.versions.get(`${KNR}|${id}`)?.docKey)).toEqual(['msg:n1', 'msg:n2', 'msg:d1']);
    expect(store.visibleServiceCodes(KNR)).toEqual(['20:1', '21:1', '22:1']);
  });

  it('a message without status (e.g. Dialogmelding) is a document of its own with its content', async () => {
    const base = event('d1', 'N', { services: [service('20', '1')] });
    const dialog: DocumentEvent = { ...base, document: { ...base.document, status: null } };
    const store = await project([dialog]);
    expect(docOf(store, 'msg:d1')).toEqual({ docKey: 'msg:d1', msgType: 'INNLEGGELSESRAPPORT', patient: 'p1', state: 'ACTIVE', currentMsgId: 'd1', versionCount: 1 });
    expect(store.visibleServiceCodes(KNR)).toEqual(['20:1']);
  });

  it('a document whose only version has no content (H) is pending, not active', async () => {
    const store = await project([event('h1', 'H', { services: [service('20', '7')] })]);
    expect(docOf(store, 'msg:h1')).toEqual({ docKey: 'msg:h1', msgType: 'INNLEGGELSESRAPPORT', patient: 'p1', state: 'PENDING', currentMsgId: null, versionCount: 1 });
  });

  it('does not write an offset that does not move', async () => {
    const store = new InMemoryReadModel();
    await new ReadModelProjector().applyBatches(store, [{ topic: 't', partition: 0, storedNext: 7n, last: '6', events: [] }]);
    expect(store.offsets.size).toBe(0);
  });
});
