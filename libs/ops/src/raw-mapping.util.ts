import { AvroCodec, DeadLetterRecord, DocumentEvent, messageRecordKey, RawMessageRecord, RegistryUnavailableException, TOPICS, uuidV5 } from '@hub/contracts';
import type { IncomingRecord, OutgoingRecord } from '@hub/kafka';
import { MessageException, parseMessage } from '@hub/messages';
import { toDocumentEvent } from '@hub/normalization';

/**
 * The mapping from a raw record to its document event. Production always uses
 * `currentMapping` (the normalizer's parse + toDocumentEvent); replay and redrive accept another
 * one so tests can prove that a changed mapping reaches the read models.
 */
export type RawMapping = (raw: RawMessageRecord, pseudonymKey: string) => DocumentEvent;

export const currentMapping: RawMapping = (raw, pseudonymKey) => toDocumentEvent(parseMessage(raw.payload), raw, pseudonymKey);

export type MappedRecord =
  | { kind: 'event'; topic: string; record: OutgoingRecord; eventId: string; correlationId: string }
  | { kind: 'dead-letter'; topic: string; record: OutgoingRecord; errorCode: string; reason: string };

/**
 * One raw record to the events-topic record the normalizer would write (same key, value and
 * headers; the event id is deterministic, so the projector treats it as the same event), or
 * to a dead letter when it cannot be mapped. Throws only when the registry is unavailable.
 */
export async function mapRawRecord(codec: AvroCodec, source: IncomingRecord, knr: string, mapping: RawMapping, pseudonymKey: string, extraHeaders: Record<string, string> = {}): Promise<MappedRecord> {
  let raw: RawMessageRecord;
  try {
    if (!source.value) throw new Error('empty record value');
    raw = await codec.decode<RawMessageRecord>(source.value);
  } catch (error) {
    if (error instanceof RegistryUnavailableException) throw error;
    return deadLetter(codec, source, knr, 'RAW_UNDECODABLE', `Raw record is not a decodable Avro value: ${text(error)}`);
  }
  try {
    const event = mapping(raw, pseudonymKey);
    return encodeEvent(codec, knr, event, extraHeaders);
  } catch (error) {
    if (error instanceof RegistryUnavailableException) throw error;
    const code = error instanceof MessageException ? error.code : 'MAPPING_FAILED';
    return deadLetter(codec, source, knr, code, error instanceof MessageException ? error.message : `Mapping failed: ${text(error)}`);
  }
}

export async function encodeEvent(codec: AvroCodec, knr: string, event: DocumentEvent, extraHeaders: Record<string, string> = {}): Promise<MappedRecord> {
  const topic = TOPICS.events(knr);
  return {
    kind: 'event',
    topic,
    eventId: event.envelope.eventId,
    correlationId: event.envelope.correlationId,
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

async function deadLetter(codec: AvroCodec, source: IncomingRecord, knr: string, errorCode: string, reason: string): Promise<MappedRecord> {
  const topic = TOPICS.deadletter(knr);
  // Same id as the normalizer's dead letter of this record: `dlq list` shows it once.
  const letter: DeadLetterRecord = {
    deadLetterId: uuidV5(`${source.topic}|${source.partition}|${source.offset}|dead-letter`),
    kommunenummer: knr,
    sourceTopic: source.topic,
    sourcePartition: source.partition,
    sourceOffset: source.offset,
    errorCode,
    reason,
    failedAt: Number(source.timestamp) || 0,
    stage: 'normalizer',
    originalKey: source.key,
    originalValue: source.value ?? Buffer.alloc(0),
  };
  return { kind: 'dead-letter', topic, errorCode, reason, record: { key: source.key, value: await codec.encode(topic, letter), headers: { 'hub-error-code': errorCode } } };
}

function text(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
