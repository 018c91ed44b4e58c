import { AvroCodec, DeadLetterRecord, DocumentEvent, messageRecordKey, RawMessageRecord, RegistryUnavailableException, TopicNames, uuidV5 } from '@hub/contracts';
import { MessageException, parseMessage } from '@hub/messages';
import { toDocumentEvent } from './document-event.mapper';

/**
 * The mapping from a raw record to its document event. Production always uses
 * `currentMapping` (parse + toDocumentEvent); replay and redrive accept another one so tests
 * can prove that a changed mapping reaches the read models.
 */
export type RawMapping = (raw: RawMessageRecord, pseudonymKey: string) => DocumentEvent;

export const currentMapping: RawMapping = (raw, pseudonymKey) => toDocumentEvent(parseMessage(raw.payload), raw, pseudonymKey);

/** A consumed record, as much of it as a mapping or a dead letter needs (the Kafka port's IncomingRecord fits). */
export interface SourceRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  /** The record's Kafka timestamp (ms, decimal string): the time a dead letter carries. */
  timestamp: string;
}

/** A record to produce (the Kafka port's OutgoingRecord). */
export interface ProducedRecord {
  key: string | null;
  value: Buffer;
  headers?: Record<string, string>;
}

export type MappedRecord =
  | { kind: 'event'; topic: string; record: ProducedRecord; event: DocumentEvent }
  | { kind: 'dead-letter'; topic: string; record: ProducedRecord; errorCode: string; reason: string };

/**
 * One raw record to the events-topic record it yields (key, value and headers), or to a dead
 * letter when it cannot be mapped: the one mapping of the normalizer, replay and redrive, so a
 * replay writes what live processing wrote, byte for byte (the event id is deterministic, so
 * the projector treats it as the same event). Throws only when the registry is unavailable.
 */
export async function mapRawRecord(codec: AvroCodec, topics: TopicNames, source: SourceRecord, knr: string, mapping: RawMapping, pseudonymKey: string, extraHeaders: Record<string, string> = {}): Promise<MappedRecord> {
  let raw: RawMessageRecord;
  try {
    if (!source.value) throw new Error('empty record value');
    raw = await codec.decode<RawMessageRecord>(source.value);
  } catch (error) {
    if (error instanceof RegistryUnavailableException) throw error;
    return encodeDeadLetter(codec, topics, deadLetterRecord(source, knr, 'normalizer', 'RAW_UNDECODABLE', `Raw record is not a decodable Avro value: ${text(error)}`));
  }
  try {
    return await encodeEvent(codec, topics, knr, mapping(raw, pseudonymKey), extraHeaders);
  } catch (error) {
    if (error instanceof RegistryUnavailableException) throw error;
    const code = error instanceof MessageException ? error.code : 'MAPPING_FAILED';
    return encodeDeadLetter(codec, topics, deadLetterRecord(source, knr, 'normalizer', code, error instanceof MessageException ? error.message : `Mapping failed: ${text(error)}`));
  }
}

/** A document event as the record of its kommune's events topic (key: the patient pseudonym, never an identifier). */
export async function encodeEvent(codec: AvroCodec, topics: TopicNames, knr: string, event: DocumentEvent, extraHeaders: Record<string, string> = {}): Promise<MappedRecord & { kind: 'event' }> {
  const topic = topics.events(knr);
  return {
    kind: 'event',
    topic,
    event,
    record: {
      key: event.envelope.patientPseudonym ?? messageRecordKey(event.document.msgId),
      value: await codec.encode(topic, event),
      headers: {
        'hub-event-id': event.envelope.eventId,
        'hub-event-type': event.envelope.eventType,
        'hub-correlation-id': event.envelope.correlationId,
        'hub-causation-id': event.envelope.causationId,
        ...extraHeaders,
      },
    },
  };
}

/**
 * The one builder of a dead letter, for every stage (normalizer, projectors). Its id follows
 * from the source record, so the same failure dead-lettered twice (a redelivery, a replay) is
 * one letter in `dlq list`; its time is the source record's, so it is the same bytes too.
 */
export function deadLetterRecord(source: SourceRecord, knr: string, stage: string, errorCode: string, reason: string): DeadLetterRecord {
  return {
    deadLetterId: uuidV5(`${source.topic}|${source.partition}|${source.offset}|dead-letter`),
    kommunenummer: knr,
    sourceTopic: source.topic,
    sourcePartition: source.partition,
    sourceOffset: source.offset,
    errorCode,
    reason,
    failedAt: Number(source.timestamp) || 0,
    stage,
    originalKey: source.key,
    originalValue: source.value ?? Buffer.alloc(0),
  };
}

/** A dead letter as the record of its kommune's dead-letter topic. */
export async function encodeDeadLetter(codec: AvroCodec, topics: TopicNames, letter: DeadLetterRecord): Promise<MappedRecord & { kind: 'dead-letter' }> {
  const topic = topics.deadletter(letter.kommunenummer);
  return {
    kind: 'dead-letter',
    topic,
    errorCode: letter.errorCode,
    reason: letter.reason,
    record: { key: letter.originalKey, value: await codec.encode(topic, letter), headers: { 'hub-error-code': letter.errorCode } },
  };
}

function text(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
