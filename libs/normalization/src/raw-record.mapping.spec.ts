import { AvroCodec, DocumentEvent, messageRecordKey, RawMessageRecord, RegistryUnavailableException, TopicNames, uuidV5 } from '@hub/contracts';
import { MessageException, MessageExceptionCode } from '@hub/messages';
import { deadLetterRecord, mapRawRecord, RawMapping, SourceRecord } from './raw-record.mapping';

/**
 * The one raw → event mapping of the normalizer, replay and redrive, with the codec faked (the
 * registry's encoding is libs/contracts' to test): which record each outcome yields, and that
 * only a registry outage is thrown.
 */
const TOPICS = new TopicNames('ns');
const RAW = { msgId: 'm-1' } as unknown as RawMessageRecord;

/** Encodes as JSON tagged with the topic; decodes what `decodes` says. */
function fakeCodec(decodes: (value: Buffer) => unknown): AvroCodec {
  return {
    encode: async (topic: string, value: unknown) => Buffer.from(JSON.stringify({ topic, value })),
    decode: async (value: Buffer) => decodes(value),
  } as unknown as AvroCodec;
}

const source = (overrides: Partial<SourceRecord> = {}): SourceRecord => ({
  topic: TOPICS.raw('0301'),
  partition: 2,
  offset: '41',
  key: 'pseudonym-key',
  value: Buffer.from('raw bytes'),
  timestamp: '1764000000123',
  ...overrides,
});

const event = (pseudonym: string | null): DocumentEvent =>
  ({
    envelope: { eventId: 'e-1', eventType: 'DOCUMENT_NEW', correlationId: 'c-1', causationId: 'h-1', patientPseudonym: pseudonym },
    document: { msgId: 'm-1' },
  }) as unknown as DocumentEvent;

const decoded = (value: Buffer) => JSON.parse(value.toString()) as { topic: string; value: Record<string, unknown> };

describe('mapRawRecord', () => {
  it('maps a decodable record to its event on the kommune\'s events topic, keyed by the patient pseudonym, with the event\'s headers', async () => {
    const mapping: RawMapping = (raw, key) => {
      expect([raw, key]).toEqual([RAW, 'pseudonym-secret']);
      return event('p-1');
    };
    const mapped = await mapRawRecord(fakeCodec(() => RAW), TOPICS, source(), '0301', mapping, 'pseudonym-secret', { 'hub-replay': 'r-1' });
    expect(mapped.kind).toBe('event');
    expect(mapped.topic).toBe(TOPICS.events('0301'));
    expect(mapped.record.key).toBe('p-1');
    expect(mapped.record.headers).toEqual({ 'hub-event-id': 'e-1', 'hub-event-type': 'DOCUMENT_NEW', 'hub-correlation-id': 'c-1', 'hub-causation-id': 'h-1', 'hub-replay': 'r-1' });
    expect(decoded(mapped.record.value)).toEqual({ topic: TOPICS.events('0301'), value: JSON.parse(JSON.stringify(event('p-1'))) });
  });

  it('keys an event without a patient by a key derived from the message, never by an identifier', async () => {
    const mapped = await mapRawRecord(fakeCodec(() => RAW), TOPICS, source(), '0301', () => event(null), 'k');
    expect(mapped.record.key).toBe(messageRecordKey('m-1'));
  });

  it('dead-letters a record that cannot be decoded, or has no value, with the source record as it was', async () => {
    const undecodable = await mapRawRecord(fakeCodec(() => { throw new Error('bad magic byte'); }), TOPICS, source(), '0301', () => event('p'), 'k');
    expect(undecodable).toMatchObject({ kind: 'dead-letter', topic: TOPICS.deadletter('0301'), errorCode: 'RAW_UNDECODABLE', reason: 'Raw record is not a decodable Avro value: bad magic byte' });
    expect(undecodable.record.key).toBe('pseudonym-key');
    expect(undecodable.record.headers).toEqual({ 'hub-error-code': 'RAW_UNDECODABLE' });
    expect(decoded(undecodable.record.value)).toMatchObject({ topic: TOPICS.deadletter('0301'), value: { stage: 'normalizer', errorCode: 'RAW_UNDECODABLE' } });

    const empty = await mapRawRecord(fakeCodec(() => RAW), TOPICS, source({ value: null }), '0301', () => event('p'), 'k');
    expect(empty).toMatchObject({ kind: 'dead-letter', errorCode: 'RAW_UNDECODABLE', reason: 'Raw record is not a decodable Avro value: empty record value' });
  });

  it('dead-letters a message the mapping refuses with its code and reason, and any other mapping failure as MAPPING_FAILED', async () => {
    const refused = await mapRawRecord(fakeCodec(() => RAW), TOPICS, source(), '0301', () => { throw new MessageException(MessageExceptionCode.NOT_WELL_FORMED, 'XML is not well-formed'); }, 'k');
    expect(refused).toMatchObject({ kind: 'dead-letter', errorCode: MessageExceptionCode.NOT_WELL_FORMED, reason: 'XML is not well-formed' });
    const failed = await mapRawRecord(fakeCodec(() => RAW), TOPICS, source(), '0301', () => { throw new TypeError('x is undefined'); }, 'k');
    expect(failed).toMatchObject({ kind: 'dead-letter', errorCode: 'MAPPING_FAILED', reason: 'Mapping failed: x is undefined' });
    // Operators filter dead letters by the stage that wrote them.
    expect(decoded(refused.record.value).value).toMatchObject({ stage: 'normalizer' });
  });

  it('throws a registry outage (decoding or encoding the event) instead of dead-lettering: the batch is retried', async () => {
    const outage = new RegistryUnavailableException('registry down');
    await expect(mapRawRecord(fakeCodec(() => { throw outage; }), TOPICS, source(), '0301', () => event('p'), 'k')).rejects.toBe(outage);
    await expect(mapRawRecord(fakeCodec(() => RAW), TOPICS, source(), '0301', () => { throw outage; }, 'k')).rejects.toBe(outage);
  });
});

describe('deadLetterRecord', () => {
  it('names the letter by its source record, so the same failure twice is one letter, and carries its time and bytes', () => {
    const letter = deadLetterRecord(source(), '0301', 'projector', 'SOME_CODE', 'why');
    expect(letter).toEqual({
      deadLetterId: uuidV5(`${TOPICS.raw('0301')}|2|41|dead-letter`),
      kommunenummer: '0301',
      sourceTopic: TOPICS.raw('0301'),
      sourcePartition: 2,
      sourceOffset: '41',
      errorCode: 'SOME_CODE',
      reason: 'why',
      failedAt: 1764000000123,
      stage: 'projector',
      originalKey: 'pseudonym-key',
      originalValue: Buffer.from('raw bytes'),
    });
    expect(deadLetterRecord(source(), '0301', 'projector', 'OTHER', 'other').deadLetterId).toBe(letter.deadLetterId);
    expect(deadLetterRecord(source({ offset: '42' }), '0301', 'projector', 'SOME_CODE', 'why').deadLetterId).not.toBe(letter.deadLetterId);
  });

  it('has time 0 for a record without a timestamp, and empty bytes for one without a value', () => {
    const letter = deadLetterRecord(source({ timestamp: '', value: null }), '0301', 'normalizer', 'C', 'r');
    expect(letter.failedAt).toBe(0);
    expect(letter.originalValue).toEqual(Buffer.alloc(0));
  });
});
