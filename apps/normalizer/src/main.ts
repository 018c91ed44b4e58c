import { bootstrapHttpApp } from '@hub/platform';
import { NormalizerAppModule } from './normalizer-app.module';

// Run alone, the normalizer serves only health and metrics; set PORT per process.
void bootstrapHttpApp(NormalizerAppModule, { name: 'normalizer' });
