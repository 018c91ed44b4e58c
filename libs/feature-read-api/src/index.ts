export * from './read-api.module';
export * from './patient-read.service';
export * from './read-api.exception';
export * from './read-api-http.util';
export * from './subscription-notification.service';
