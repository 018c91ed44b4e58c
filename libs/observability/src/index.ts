export * from './hub-logger';
export * from './metrics';
