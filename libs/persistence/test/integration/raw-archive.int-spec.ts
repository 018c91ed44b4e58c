import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/data-source.factory';
import { ARCHIVE_ROWS_PER_STATEMENT, ArchivedMessage, ArchivePosition, RawArchiveRepository } from '../../src/raw-archive.repository';
import { RAW_ARCHIVE_OFFSETS, selectStoredOffsets, StoredOffsetsMovedException } from '../../src/stored-offsets.util';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

/**
 * The raw archive's writes against the real PostgreSQL: a batch is stored with its next offset in
 * one transaction, in statements of many rows, and the first record of a message key wins, within
 * a batch as between batches.
 */
describe('RawArchiveRepository.storeBatches (PostgreSQL)', () => {
  const KNR = '9948';
  const topic = `hltest-archive-${process.pid}-${Date.now()}.kommune.${KNR}.raw.v1`;
  let dataSource: DataSource;
  let archive: RawArchiveRepository;

  beforeAll(async () => {
    dataSource = createDataSource(TEST_DATABASE_URL, { poolSize: 2 });
    await dataSource.initialize();
    archive = new RawArchiveRepository(dataSource);
    await dataSource.query('DELETE FROM raw_message_archive WHERE kommunenummer = $1', [KNR]);
  });
  afterAll(async () => {
    await dataSource.query('DELETE FROM raw_message_archive WHERE kommunenummer = $1', [KNR]);
    await dataSource.query(`DELETE FROM ${RAW_ARCHIVE_OFFSETS.sql} WHERE topic = $1`, [topic]);
    await dataSource.destroy();
  });

  const message = (msgId: string, offset: number, text = `<MsgHead>${msgId}</MsgHead>`): ArchivedMessage => {
    // Bytes a text column would not keep: a NUL, a byte over 0x7f and invalid UTF-8.
    const payload = Buffer.concat([Buffer.from(text), Buffer.from([0x00, 0xc3, 0x28, 0xff])]);
    const sha256 = createHash('sha256').update(payload).digest('hex');
    return {
      kommunenummer: KNR,
      msgId,
      binaryId: `bin-${msgId}`,
      hubMessageId: `00000000-0000-4000-8000-${String(offset).padStart(12, '0')}`,
      msgType: 'DIALOG_HELSEFAGLIG',
      patientPseudonym: offset % 3 === 0 ? null : `pseudo-${offset % 7}`,
      contentType: 'application/xml',
      declaredEncoding: 'UTF-8',
      sha256,
      sizeBytes: payload.length,
      payload,
      receivedAt: new Date(1765000000000 + offset),
      source: { topic, partition: offset % 2, offset: String(offset) },
      record: {
        key: `key-${offset}`,
        headers: { 'hub-correlation-id': msgId },
        fields: { msgId, receivedAt: 1765000000000 + offset } as unknown as NonNullable<ArchivedMessage['record']>['fields'],
      },
    };
  };

  /** One partition's batch, as the projector hands it over alone. */
  const store = (messages: ArchivedMessage[], position: ArchivePosition) => archive.storeBatches([{ messages, position }]);

  const stored = async () => {
    const all: ArchivedMessage[] = [];
    for (let page = await archive.page(KNR, null, 1000); page.length > 0; page = await archive.page(KNR, { partition: page.at(-1)!.source.partition, offset: page.at(-1)!.source.offset }, 1000)) all.push(...page);
    return all;
  };

  it('keeps the first record of a message key, within one batch and against an earlier batch, with its exact bytes', async () => {
    const first = message('m-1', 0, 'first');
    await store([first, message('m-2', 1), message('m-1', 2, 'second copy')], { topic, partition: 0, nextOffset: '3', topicId: 'id-a' });
    await store([message('m-2', 3, 'replayed with other bytes')], { topic, partition: 0, nextOffset: '4', topicId: 'id-a' });

    const rows = await stored();
    expect(rows.map((r) => [r.msgId, r.source.offset])).toEqual([
      ['m-1', '0'],
      ['m-2', '1'],
    ]);
    expect(rows[0]).toEqual(first);
    expect(await selectStoredOffsets(dataSource, RAW_ARCHIVE_OFFSETS, [topic])).toEqual([{ topic, partition: 0, offset: '4', topicId: 'id-a' }]);
  });

  it(`stores a batch larger than one statement (${ARCHIVE_ROWS_PER_STATEMENT} rows) whole, each message as sent`, async () => {
    const batch = Array.from({ length: ARCHIVE_ROWS_PER_STATEMENT * 2 + 17 }, (_, i) => message(`big-${i}`, 100 + i));
    await store(batch, { topic, partition: 1, nextOffset: String(100 + batch.length), topicId: 'id-a' });

    const rows = (await stored()).filter((r) => r.msgId.startsWith('big-'));
    expect(rows.length).toBe(batch.length);
    const byId = new Map(rows.map((r) => [r.msgId, r]));
    for (const m of batch) expect(byId.get(m.msgId)).toEqual(m);
    expect(await archive.count(KNR)).toBe(2 + batch.length);
  });

  it('compresses a message large enough to compress with lz4 where the server has it, and gives its bytes back', async () => {
    // Was this server built with lz4 (PostgreSQL's own build record)? Then the migration set it.
    const lz4 = (await dataSource.query(`SELECT 1 FROM pg_catalog.pg_config() WHERE name = 'CONFIGURE' AND setting LIKE '%with-lz4%'`)).length > 0;
    // A message as intake stores them: several KiB of XML, which PostgreSQL compresses on insert.
    const xml = `<MsgHead>${Array.from({ length: 120 }, (_, i) => `<Line n="${i}">Hjemmesykepleie morgen og kveld, ${i % 7} timer</Line>`).join('')}</MsgHead>`;
    const large = message('lz4-1', 500, xml);
    expect(large.payload.length).toBeGreaterThan(4096);
    await store([large], { topic, partition: 0, nextOffset: '501', topicId: 'id-a' });

    const [row] = await dataSource.query('SELECT pg_column_compression(payload) AS method FROM raw_message_archive WHERE kommunenummer = $1 AND msg_id = $2', [KNR, 'lz4-1']);
    expect(row.method).toBe(lz4 ? 'lz4' : 'pglz');
    expect((await stored()).find((r) => r.msgId === 'lz4-1')).toEqual(large);
  });

  it('moves the offset of a batch with nothing to archive (every record undecodable)', async () => {
    const before = await archive.count(KNR);
    await store([], { topic, partition: 0, nextOffset: '5', topicId: 'id-a' });
    expect(await archive.count(KNR)).toBe(before);
    expect((await selectStoredOffsets(dataSource, RAW_ARCHIVE_OFFSETS, [topic])).find((o) => o.partition === 0)).toEqual({ topic, partition: 0, offset: '5', topicId: 'id-a' });
  });

  it('writes nothing of a batch whose offsets are refused, whether it fits one statement or several', async () => {
    const before = await archive.count(KNR);
    // Offsets of another topic id than the one the archive restarted on are refused (restore, #15).
    await archive.restartFrom(topic, 'id-b', [0, 1]);
    await expect(store([message('late-1', 900), message('late-2', 901)], { topic, partition: 0, nextOffset: '902', topicId: 'id-a' })).rejects.toThrow(StoredOffsetsMovedException);
    const large = Array.from({ length: ARCHIVE_ROWS_PER_STATEMENT + 1 }, (_, i) => message(`late-big-${i}`, 1000 + i));
    await expect(store(large, { topic, partition: 1, nextOffset: String(1000 + large.length), topicId: 'id-a' })).rejects.toThrow(StoredOffsetsMovedException);
    expect(await archive.count(KNR)).toBe(before);
    // The stored offsets are still those of the restart, on the new topic id.
    expect(await selectStoredOffsets(dataSource, RAW_ARCHIVE_OFFSETS, [topic])).toEqual(
      expect.arrayContaining([
        { topic, partition: 0, offset: '0', topicId: 'id-b' },
        { topic, partition: 1, offset: '0', topicId: 'id-b' },
      ]),
    );
    // On the new topic id the same small batch is archived with its offset.
    await store([message('late-1', 900)], { topic, partition: 0, nextOffset: '901', topicId: 'id-b' });
    expect(await archive.count(KNR)).toBe(before + 1);
  });

  it("stores several partitions' batches in one transaction, or none of them when one's offset is refused", async () => {
    await archive.restartFrom(topic, 'id-b', [0, 1]);
    const before = await archive.count(KNR);
    // The second batch was read from the topic before it was replaced (id-a): neither is kept.
    await expect(
      archive.storeBatches([
        { messages: [message('together-1', 2000)], position: { topic, partition: 0, nextOffset: '2001', topicId: 'id-b' } },
        { messages: [message('together-2', 2001)], position: { topic, partition: 1, nextOffset: '2002', topicId: 'id-a' } },
      ]),
    ).rejects.toThrow(StoredOffsetsMovedException);
    expect(await archive.count(KNR)).toBe(before);
    expect(await selectStoredOffsets(dataSource, RAW_ARCHIVE_OFFSETS, [topic])).toEqual(
      expect.arrayContaining([
        { topic, partition: 0, offset: '0', topicId: 'id-b' },
        { topic, partition: 1, offset: '0', topicId: 'id-b' },
      ]),
    );

    await archive.storeBatches([
      { messages: [message('together-1', 2000)], position: { topic, partition: 0, nextOffset: '2001', topicId: 'id-b' } },
      { messages: [message('together-2', 2001), message('together-3', 2003)], position: { topic, partition: 1, nextOffset: '2004', topicId: 'id-b' } },
    ]);
    expect(await archive.count(KNR)).toBe(before + 3);
    expect((await stored()).filter((m) => m.msgId.startsWith('together-')).map((m) => [m.msgId, m.source.partition, m.source.offset])).toEqual([
      ['together-1', 0, '2000'],
      ['together-2', 1, '2001'],
      ['together-3', 1, '2003'],
    ]);
    expect(await selectStoredOffsets(dataSource, RAW_ARCHIVE_OFFSETS, [topic])).toEqual(
      expect.arrayContaining([
        { topic, partition: 0, offset: '2001', topicId: 'id-b' },
        { topic, partition: 1, offset: '2004', topicId: 'id-b' },
      ]),
    );
  });
});
