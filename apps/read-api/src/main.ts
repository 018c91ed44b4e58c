import { bootstrapHttpApp } from '@hub/platform';
import { ReadApiAppModule } from './read-api-app.module';

void bootstrapHttpApp(ReadApiAppModule, { name: 'read-api' });
