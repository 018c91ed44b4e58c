export * from './kommune-directory';
