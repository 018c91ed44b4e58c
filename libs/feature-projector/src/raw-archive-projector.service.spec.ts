import { AvroCodec, messageKey, RawMessageRecord, TopicNames } from '@hub/contracts';
import type { BatchContext, KafkaPort } from '@hub/kafka';
import { HubMetrics } from '@hub/observability';
import type { ArchivedMessage, ArchivePosition, RawArchiveRepository } from '@hub/persistence';
import { RawArchiveProjectorService } from './raw-archive-projector.service';

const TOPICS = new TopicNames('unit');

const raw = (msgId: string): RawMessageRecord => ({
  hubMessageId: `hub-${msgId}`, kommunenummer: '3428', receivedAt: 1765000000000, gatewayClient: 'gw', msgId, msgType: 'DIALOG_HELSEFAGLIG', standard: 'Dialogmelding',
  standardVersion: '1.1', senderHerIds: ['56704'], receiverHerIds: ['99387'], patientPseudonym: null, contentType: 'application/xml', declaredEncoding: 'UTF-8',
  sha256: 'x', sizeBytes: 4, payload: Buffer.from('<a/>'), transport: { transport: 'edi', transportMessageId: null, fromHerId: '56704', toHerId: null },
});

/** A batch of `msgIds` on partition `partition` of kommune 3428's raw topic, the record value being the MsgId (the fake codec's encoding). */
const batch = (partition: number, from: number, msgIds: string[]): BatchContext => ({
  topic: TOPICS.raw('3428'),
  topicId: 'topic-id',
  partition,
  records: msgIds.map((m, i) => ({ topic: TOPICS.raw('3428'), partition, offset: String(from + i), key: null, value: Buffer.from(m), headers: {}, timestamp: '0' })),
  heartbeat: async () => undefined,
  isStale: () => false,
});

const keys = (...msgIds: string[]) => msgIds.map((m) => messageKey(m, '56704'));

describe('RawArchiveProjectorService', () => {
  function service(storeBatches: (batches: Array<{ messages: ArchivedMessage[]; position: ArchivePosition }>) => Promise<void>) {
    const codec = { decode: async (bytes: Buffer) => raw(bytes.toString()) } as unknown as AvroCodec;
    const archive = { storeBatches } as unknown as RawArchiveRepository;
    return new RawArchiveProjectorService({} as KafkaPort, codec, new HubMetrics(), archive, TOPICS);
  }

  it('puts the partition batches that arrive while a transaction runs together into the next one, each with its next offset', async () => {
    const transactions: Array<Array<{ msgIds: string[]; position: ArchivePosition }>> = [];
    let release!: () => void;
    const firstCommitted = new Promise<void>((r) => (release = r));
    const projector = service(async (batches) => {
      // Archived by message key: a MsgId that is not a UUID is scoped by the sender's HER-id.
      transactions.push(batches.map((b) => ({ msgIds: b.messages.map((m) => m.msgId), position: b.position })));
      if (transactions.length === 1) await firstCommitted;
    });
    const first = projector.handleBatch(batch(0, 10, ['a', 'b']));
    await new Promise((r) => setImmediate(r));
    const later = [projector.handleBatch(batch(1, 4, ['c'])), projector.handleBatch(batch(2, 7, ['d', 'e', 'f']))];
    await new Promise((r) => setImmediate(r));
    release();
    // Each handler answers its own batch's last offset once the transaction holding it committed.
    expect(await Promise.all([first, ...later])).toEqual(['11', '4', '9']);
    expect(transactions).toEqual([
      [{ msgIds: keys('a', 'b'), position: { topic: TOPICS.raw('3428'), partition: 0, nextOffset: '12', topicId: 'topic-id' } }],
      [
        { msgIds: keys('c'), position: { topic: TOPICS.raw('3428'), partition: 1, nextOffset: '5', topicId: 'topic-id' } },
        { msgIds: keys('d', 'e', 'f'), position: { topic: TOPICS.raw('3428'), partition: 2, nextOffset: '10', topicId: 'topic-id' } },
      ],
    ]);
  });

  it('fails every batch of a transaction that failed, so each is read again from the stored offsets', async () => {
    let release!: () => void;
    const firstCommitted = new Promise<void>((r) => (release = r));
    let calls = 0;
    const projector = service(async () => {
      calls += 1;
      if (calls === 1) return firstCommitted;
      throw new Error('stored offsets moved');
    });
    const first = projector.handleBatch(batch(0, 0, ['a']));
    await new Promise((r) => setImmediate(r));
    const together = [projector.handleBatch(batch(1, 0, ['b'])), projector.handleBatch(batch(2, 0, ['c']))];
    await new Promise((r) => setImmediate(r));
    release();
    await expect(first).resolves.toBe('0');
    await expect(together[0]).rejects.toThrow('stored offsets moved');
    await expect(together[1]).rejects.toThrow('stored offsets moved');
  });
});
