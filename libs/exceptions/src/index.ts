export * from './hub.exception';
