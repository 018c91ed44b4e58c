export * from './notifier.module';
export * from './notifier-consumer.service';
export * from './notification-delivery.service';
export * from './event-matching';
export * from './rest-hook.client';
