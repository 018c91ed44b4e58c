export * from './patient-identity';
export * from './document-event.mapper';
