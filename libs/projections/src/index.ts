export * from './read-model.port';
export * from './document-chain';
export * from './read-model.projector';
