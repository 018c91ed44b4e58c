import { DataSource } from 'typeorm';
import { AvroCodec, DocumentEvent, TopicNames, uuidV5 } from '@hub/contracts';
import type { BatchContext, IncomingRecord, KafkaPort } from '@hub/kafka';
import { HubMetrics } from '@hub/observability';
import { createDataSource, ProjectionStateRepository, READ_MODEL_PROJECTION } from '@hub/persistence';
import { DeadLetterWriter, SharedProducer } from '@hub/platform';
import { GenerationGapException, ReadModelProjectorService } from '../../src/read-model-projector.service';
import { TEST_DATABASE_URL, TEST_NAMESPACE } from '../../../../test/support/test-env';

/**
 * The live projector's batch against a generation that changed under it (issue #6), on the real
 * PostgreSQL: records a newer generation already holds are skipped and its offset never moves
 * back; a generation behind the consumer (a gap) is refused with GenerationGapException and
 * nothing is written, so the consumer restarts from the stored offsets instead of skipping.
 */
describe('ReadModelProjectorService on a switched generation', () => {
  const knr = '9969';
  let dataSource: DataSource;
  let service: ReadModelProjectorService;
  let schema: string;
  let topic: string;
  let metrics: HubMetrics;
  /** The `projected` pipeline delays observed so far: one per event this generation committed. */
  const projectedDelays = async () =>
    (await metrics.pipelineDelay.get()).values.find((v) => v.metricName === 'hendelseslager_pipeline_delay_seconds_count' && v.labels.stage === 'projected')?.value ?? 0;

  const event = (msgId: string): DocumentEvent => ({
    envelope: { eventId: uuidV5(msgId), eventType: 'DOCUMENT_RECEIVED', correlationId: msgId, causationId: msgId, kommunenummer: knr, patientPseudonym: 'p-gap', occurredAt: '2024-01-01T10:00:00', recordedAt: 1700000000000, schemaVersion: 1, mappingVersion: 'test' },
    document: { msgId, msgType: 'ORIENTERING_TJENESTETILBUD', standard: 'PLO', standardVersion: '1.6', status: 'N', genDate: '2024-01-01T10:00:00', explicitDocumentId: null, refToParent: null, refToConversation: null, senderHerIds: ['1'], senderName: 'Testvik', receiverHerIds: ['2'], isTest: false },
    patient: { pseudonym: 'p-gap', linkedPseudonyms: [], identifierTypes: ['FNR'], familyName: null, givenName: null, birthDate: null, sex: null },
    services: [], serviceNeeds: [], diagnoses: [], patientEvents: [], appRec: null, warnings: [], notProjectedReason: null,
  });
  const batch = (offsets: number[]): BatchContext => ({
    topic,
    partition: 0,
    records: offsets.map((o): IncomingRecord => ({ topic, partition: 0, offset: String(o), key: 'p-gap', value: Buffer.from(JSON.stringify(event(`gap-msg-${o}`))), headers: {}, timestamp: '0' })),
    heartbeat: async () => undefined,
    isStale: () => false,
  });
  const stored = async () => (await new ProjectionStateRepository(dataSource).offsets(schema, [topic]))[0]?.offset;
  // A kommune no other suite uses (ops-recovery counts every row of 9961, so this spec's rows broke it), and its own messages only.
  const versions = async () => Number((await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".message_versions WHERE kommunenummer = $1 AND msg_id LIKE 'gap-msg-%'`, [knr]))[0].n);

  beforeAll(async () => {
    const topics = new TopicNames(TEST_NAMESPACE);
    topic = topics.events(knr);
    dataSource = createDataSource(TEST_DATABASE_URL, { poolSize: 2 });
    await dataSource.initialize();
    schema = await new ProjectionStateRepository(dataSource).activeSchema(READ_MODEL_PROJECTION);
    // JSON instead of Avro: the registry is not what this test is about.
    const codec = { decode: async (value: Buffer) => JSON.parse(value.toString()) } as unknown as AvroCodec;
    const kafka = { consumer: () => ({}), admin: async () => ({}) } as unknown as KafkaPort;
    metrics = new HubMetrics();
    service = new ReadModelProjectorService(kafka, new DeadLetterWriter(codec, {} as SharedProducer, metrics, topics), metrics, new ProjectionStateRepository(dataSource), topics);
  });
  afterAll(async () => {
    await dataSource.query(`DELETE FROM "${schema}".projection_offsets WHERE topic = $1`, [topic]);
    await dataSource.destroy();
  });

  it('skips what a newer generation holds and never moves its offset back', async () => {
    await dataSource.query(`INSERT INTO "${schema}".projection_offsets (topic, partition, next_offset) VALUES ($1, 0, 100)`, [topic]);
    expect(await service.handleBatch(batch([50, 51, 52]))).toBe('52');
    expect(await stored()).toBe('100');
    expect(await versions()).toBe(0);
    expect(await projectedDelays()).toBe(0);
    expect(await service.handleBatch(batch([99, 100, 101]))).toBe('101');
    expect(await stored()).toBe('102');
    expect(await versions()).toBe(2);
    // Only what was committed here is fresh in the read model: 100 and 101, not the skipped 99.
    expect(await projectedDelays()).toBe(2);
  });

  it('refuses a batch past the stored offset (a gap) and writes nothing', async () => {
    await expect(service.handleBatch(batch([110, 111]))).rejects.toBeInstanceOf(GenerationGapException);
    expect(await stored()).toBe('102');
    expect(await versions()).toBe(2);
    expect(await projectedDelays()).toBe(2);
  });
});
