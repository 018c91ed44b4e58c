export * from './group-commits';
export * from './kafka.port';
export * from './kafkajs.adapter';
export * from './platformatic.adapter';
export * from './stored-offsets';
export * from './topic-batches';
