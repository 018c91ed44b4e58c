export * from './kafka.port';
export * from './kafkajs.adapter';
