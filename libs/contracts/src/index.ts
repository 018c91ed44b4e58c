export * from './topics.constant';
export * from './schema-files';
export * from './avro-codec';
export * from './ids.util';
export * from './events/raw-message.event';
export * from './events/document.event';
export * from './events/dead-letter.event';
export * from './events/audit.event';
