export * from './data-source.factory';
export * from './read-model.schema';
export * from './read-model-write.repository';
export * from './sql.util';
export * from './intake-receipt.repository';
export * from './projection-state.repository';
export * from './read-model-query.repository';
export * from './raw-archive.repository';
