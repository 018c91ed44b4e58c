export * from './read-model.port';
export * from './document-chain';
export * from './read-model.projector';
export * from './views/patient-overview.view';
export * from './views/patient-record.rows';
export * from './views/original-message.ref';
export * from './patient-demographics';
