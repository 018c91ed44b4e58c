import { Injectable } from '@nestjs/common';
import { AvroCodec, RegistryUnavailableException, TopicNames } from '@hub/contracts';
import { deadLetterRecord, encodeDeadLetter } from '@hub/normalization';
import type { IncomingRecord } from '@hub/kafka';
import { HubLogger, HubMetrics } from '@hub/observability';
import { SharedProducer } from './shared-producer.service';

/** A record of a batch after Avro decoding: the value, or why it could not be decoded. */
export interface DecodedRecord<T> {
  value?: T;
  error?: string;
  offset: string;
  key: string | null;
  raw: Buffer | null;
  /** The record's Kafka timestamp: the time its dead letter carries. */
  timestamp: string;
}

/**
 * Decoding of a consumer batch and dead-lettering of what cannot be decoded, shared by every
 * projector: an undecodable record goes to the kommune's dead-letter topic with its reason and
 * exact bytes, and the partition moves on. A registry outage is not the record's fault: it is
 * thrown, so the batch is retried.
 */
@Injectable()
export class DeadLetterWriter {
  private readonly log = new HubLogger(DeadLetterWriter.name);

  constructor(private readonly codec: AvroCodec, private readonly producer: SharedProducer, private readonly metrics: HubMetrics, private readonly topics: TopicNames) {}

  async decodeBatch<T>(records: IncomingRecord[]): Promise<Array<DecodedRecord<T>>> {
    const decoded: Array<DecodedRecord<T>> = [];
    for (const record of records) {
      const base = { offset: record.offset, key: record.key, raw: record.value, timestamp: record.timestamp };
      try {
        decoded.push({ ...base, value: await this.codec.decode<T>(record.value ?? Buffer.alloc(0)) });
      } catch (error) {
        if (error instanceof RegistryUnavailableException) throw error;
        decoded.push({ ...base, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return decoded;
  }

  /** Writes every undecodable record of a batch to the kommune's dead-letter topic (acks=all). */
  async undecodable<T>(
    source: { topic: string; partition: number; kommunenummer: string },
    decoded: Array<DecodedRecord<T>>,
    stage: { name: string; errorCode: string; what: string },
  ): Promise<number> {
    const failed = decoded.filter((d) => d.error !== undefined);
    if (failed.length === 0) return 0;
    const letters = await Promise.all(
      failed.map((item) =>
        encodeDeadLetter(
          this.codec,
          this.topics,
          deadLetterRecord(
            { topic: source.topic, partition: source.partition, offset: item.offset, key: item.key, value: item.raw, timestamp: item.timestamp },
            source.kommunenummer,
            stage.name,
            stage.errorCode,
            `${stage.what} is not a decodable Avro value: ${item.error}`,
          ),
        ),
      ),
    );
    const dlq = this.topics.deadletter(source.kommunenummer);
    const records = letters.map((letter) => letter.record);
    await this.producer.sendMany([{ topic: dlq, records }]);
    for (const item of failed) {
      this.metrics.deadLetters.inc({ kommune: source.kommunenummer, stage: stage.name, error_code: stage.errorCode });
      this.log.warn(`${stage.what} sent to dead-letter topic`, { topic: source.topic, partition: source.partition, offset: item.offset, errorCode: stage.errorCode });
    }
    return failed.length;
  }
}
