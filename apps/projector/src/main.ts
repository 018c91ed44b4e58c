import { bootstrapHttpApp } from '@hub/platform';
import { ProjectorAppModule } from './projector-app.module';

// Run alone, the projector serves only health and metrics; set PORT per process.
void bootstrapHttpApp(ProjectorAppModule, { name: 'projector' });
