import { bootstrapHttpApp } from '@hub/platform';
import { HUB_DEFAULTS } from './hub.defaults';
import { HubModule } from './hub.module';

void bootstrapHttpApp(HubModule, { name: 'hub', defaults: { ...HUB_DEFAULTS } });
