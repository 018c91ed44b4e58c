import { bootstrapHttpApp } from '@hub/platform';
import { NotifierAppModule } from './notifier-app.module';

// Run alone, the notifier serves only health and metrics; set PORT per process.
void bootstrapHttpApp(NotifierAppModule, { name: 'notifier' });
