import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/data-source.factory';
import { RAW_ARCHIVE_OFFSETS, restartStoredOffsets, selectStoredOffsets, StoredOffsetsMovedException, upsertStoredOffsets } from '../../src/stored-offsets.util';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

/**
 * The one UPSERT of stored offsets against the real PostgreSQL (the raw archive's table, a topic
 * name of its own): an offset read from a replaced topic never overwrites the new topic's.
 */
describe('upsertStoredOffsets (PostgreSQL)', () => {
  const topic = `hltest-offsets-${process.pid}-${Date.now()}`;
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = createDataSource(TEST_DATABASE_URL, { poolSize: 2 });
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource.query(`DELETE FROM ${RAW_ARCHIVE_OFFSETS.sql} WHERE topic = $1`, [topic]);
    await dataSource.destroy();
  });

  const stored = async () => (await selectStoredOffsets(dataSource, RAW_ARCHIVE_OFFSETS, [topic])).sort((a, b) => a.partition - b.partition);

  it('moves offsets of the same topic id on, and refuses (rolling the transaction back) an offset of another topic id once restarted', async () => {
    await upsertStoredOffsets(dataSource, RAW_ARCHIVE_OFFSETS, [
      { topic, partition: 0, offset: '5', topicId: 'old' },
      { topic, partition: 1, offset: '3', topicId: 'old' },
    ]);
    await upsertStoredOffsets(dataSource, RAW_ARCHIVE_OFFSETS, [{ topic, partition: 0, offset: '7', topicId: 'old' }]);
    expect(await stored()).toEqual([
      { topic, partition: 0, offset: '7', topicId: 'old' },
      { topic, partition: 1, offset: '3', topicId: 'old' },
    ]);

    // `restore` sets the projection back to the start of the new topic...
    await restartStoredOffsets(dataSource, RAW_ARCHIVE_OFFSETS, topic, 'new', [0, 1]);
    // ...while a batch the running consumer read from the new topic, at the old topic's offsets,
    // commits with the id its assignment was checked against: refused, nothing of it written.
    await expect(
      dataSource.transaction(async (manager) => {
        await upsertStoredOffsets(manager, RAW_ARCHIVE_OFFSETS, [
          { topic, partition: 0, offset: '9', topicId: 'old' },
          { topic, partition: 1, offset: '4', topicId: 'new' },
        ]);
      }),
    ).rejects.toBeInstanceOf(StoredOffsetsMovedException);
    expect(await stored()).toEqual([
      { topic, partition: 0, offset: '0', topicId: 'new' },
      { topic, partition: 1, offset: '0', topicId: 'new' },
    ]);

    // Offsets without an id (kept before ids were) neither refuse nor are refused.
    await upsertStoredOffsets(dataSource, RAW_ARCHIVE_OFFSETS, [{ topic, partition: 0, offset: '2' }]);
    await upsertStoredOffsets(dataSource, RAW_ARCHIVE_OFFSETS, [{ topic, partition: 1, offset: '2', topicId: 'new' }]);
    expect(await stored()).toEqual([
      { topic, partition: 0, offset: '2', topicId: 'new' },
      { topic, partition: 1, offset: '2', topicId: 'new' },
    ]);
  });
});
