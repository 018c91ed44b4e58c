import { Module } from '@nestjs/common';
import { PlatformModule } from '@hub/platform';
import { ReadApiModule } from '@hub/feature-read-api';
import { AuditModule } from '@hub/feature-audit';

@Module({ imports: [PlatformModule, ReadApiModule, AuditModule] })
export class ReadApiAppModule {}
