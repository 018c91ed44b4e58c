import { Module } from '@nestjs/common';
import { PlatformModule } from '@hub/platform';
import { NormalizerModule } from '@hub/feature-normalizer';

@Module({ imports: [PlatformModule, NormalizerModule] })
export class NormalizerAppModule {}
