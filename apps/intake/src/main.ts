import { bootstrapHttpApp } from '@hub/platform';
import { IntakeAppModule } from './intake-app.module';

void bootstrapHttpApp(IntakeAppModule, { name: 'intake' });
