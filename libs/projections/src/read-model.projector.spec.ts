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
