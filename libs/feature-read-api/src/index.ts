export * from './read-api.module';
export * from './audit.service';
export * from './patient-read.service';
