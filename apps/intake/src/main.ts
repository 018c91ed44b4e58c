import { bootstrapHttpApp } from '@hub/platform';
import { IntakeAppModule } from './intake-app.module';

void bootstrapHttpApp(IntakeAppModule, {
  name: 'intake',
  // @platformatic/kafka, as normalizer, projector and read-api: through the three apps side by side
  // it took 0.74× the CPU per message of kafkajs, at 0.84× its saturated p99 (bench/RESULTS.md,
  // 2026-12-07 session 20). KAFKA_CLIENT=kafkajs still selects the other.
  defaults: { KAFKA_CLIENT: 'platformatic' },
});
