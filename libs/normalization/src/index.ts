export * from './patient-identity';
export * from './document-event.mapper';
export * from './raw-record.mapping';
