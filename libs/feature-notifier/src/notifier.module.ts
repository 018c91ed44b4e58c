import { Module } from '@nestjs/common';
import { PatientReadService, SubscriptionNotificationService } from '@hub/feature-read-api';
import { NotificationDeliveryService } from './notification-delivery.service';
import { NotifierConsumerService } from './notifier-consumer.service';

/**
 * Notifier: event topics → the events of matching Subscriptions (consumer group
 * `<ns>.projector.notifier`), and their rest-hook delivery. The notification content is the read
 * API's (SubscriptionNotificationService: read model, audit, blocking), provided here without its
 * HTTP routes.
 */
@Module({ providers: [NotifierConsumerService, NotificationDeliveryService, SubscriptionNotificationService, PatientReadService] })
export class NotifierModule {}
