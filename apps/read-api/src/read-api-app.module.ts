import { Module } from '@nestjs/common';
import { PlatformModule } from '@hub/platform';
import { ReadApiModule } from '@hub/feature-read-api';

@Module({ imports: [PlatformModule, ReadApiModule] })
export class ReadApiAppModule {}
