import { bootstrapHttpApp } from '@hub/platform';
import { ReadApiAppModule } from './read-api-app.module';

void bootstrapHttpApp(ReadApiAppModule, {
  name: 'read-api',
  // A read-api process consumes no topic; it produces one audit event per read and answers only
  // once it is durable. @platformatic/kafka's produce costs about half of kafkajs' CPU, and its one
  // known shortfall (consumers given one partition at a time) does not apply here. Measured in
  // bench/RESULTS.md (2026-12-06 session 14, 2026-12-07); KAFKA_CLIENT=kafkajs still selects the other.
  defaults: { KAFKA_CLIENT: 'platformatic' },
});
