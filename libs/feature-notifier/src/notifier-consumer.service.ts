import { Inject, Injectable } from '@nestjs/common';
import { DocumentEvent, TopicNames } from '@hub/contracts';
import type { BatchContext, KafkaPort } from '@hub/kafka';
import { HubLogger } from '@hub/observability';
import { FhirSubscriptionRepository, MatchableEvent, NOTIFIER_OFFSETS } from '@hub/persistence';
import { ConsumerService, DeadLetterWriter, KAFKA_PORT, PatternConsumerRunner, projectionConsumer } from '@hub/platform';
import { matchableEvent } from './event-matching';
import { NotificationDeliveryService } from './notification-delivery.service';

/** Projection name of the notifier: its consumer group is `<ns>.projector.notifier`. */
export const NOTIFIER_PROJECTION = NOTIFIER_OFFSETS.projection;

/**
 * Every kommune's event topic → the events of the Subscriptions they match, numbered per
 * subscription, with the partition's next offset in the same transaction (`notifier_offsets`):
 * after a crash the consumer resumes exactly there, and an event is never numbered twice. Its
 * own consumer group, so notifier instances share the partitions. Delivery is
 * NotificationDeliveryService's, from the stored events.
 */
@Injectable()
export class NotifierConsumerService extends ConsumerService {
  private readonly log = new HubLogger(NotifierConsumerService.name);
  protected readonly runner: PatternConsumerRunner;

  constructor(
    @Inject(KAFKA_PORT) kafka: KafkaPort,
    private readonly decoder: DeadLetterWriter,
    private readonly subscriptions: FhirSubscriptionRepository,
    private readonly delivery: NotificationDeliveryService,
    private readonly topics: TopicNames,
  ) {
    super();
    this.runner = projectionConsumer(kafka, this.topics, {
      projection: NOTIFIER_PROJECTION,
      topics: this.topics.pattern('events'),
      storedOffsets: (topics) => this.subscriptions.offsets(topics),
      handleBatch: (b) => this.handleBatch(b),
      // An event is numbered once per subscription (by its id), so a replaced event topic is
      // simply read again from its start: no operator step, and no notification sent twice.
      readAgain: (topic, topicId, partitions) => this.subscriptions.restartFrom(topic, topicId, partitions),
      name: NotifierConsumerService.name,
    });
  }

  async handleBatch(batch: BatchContext): Promise<string | undefined> {
    const last = batch.records.at(-1)?.offset;
    if (!this.topics.parse(batch.topic) || last === undefined) return last;
    const events: MatchableEvent[] = [];
    // Decoded as the projector decodes them (a registry outage is thrown, so the batch is retried);
    // the projector dead-letters what cannot be decoded, the notifier only skips it.
    for (const item of await this.decoder.decodeBatch<DocumentEvent>(batch.records)) {
      if (!item.value) {
        this.log.warn('Event not decodable; no notification', { topic: batch.topic, partition: batch.partition, offset: item.offset });
        continue;
      }
      const matchable = matchableEvent(item.value);
      if (matchable) events.push(matchable);
    }
    const added = await this.subscriptions.recordEvents(events, {
      topic: batch.topic,
      partition: batch.partition,
      offset: (BigInt(last) + 1n).toString(),
      // The topic's id, as every projection stamps it: a topic replaced under the notifier halts it instead of resuming at offsets the new topic does not have.
      topicId: batch.topicId,
    });
    if (added > 0) {
      this.log.info('Subscription events recorded', { topic: batch.topic, partition: batch.partition, lastOffset: last, subscriptionEvents: added });
      this.delivery.wake();
    }
    return last;
  }
}
