import { bootstrapHttpApp } from '@hub/platform';
import { HubModule } from './hub.module';

void bootstrapHttpApp(HubModule, { name: 'hub' });
