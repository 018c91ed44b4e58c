export * from './hub-config';
export * from './client-config';
