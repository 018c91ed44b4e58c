import { bootstrapHttpApp } from '@hub/platform';
import { ProjectorAppModule } from './projector-app.module';

// Run alone, the projector serves only health and metrics; set PORT per process.
void bootstrapHttpApp(ProjectorAppModule, {
  name: 'projector',
  // @platformatic/kafka: see apps/intake/src/main.ts. KAFKA_CLIENT=kafkajs still selects the other.
  defaults: { KAFKA_CLIENT: 'platformatic' },
});
