import { Module } from '@nestjs/common';
import { PlatformModule } from '@hub/platform';
import { IntakeModule } from '@hub/feature-intake';
import { NormalizerModule } from '@hub/feature-normalizer';
import { ProjectorModule } from '@hub/feature-projector';
import { ReadApiModule } from '@hub/feature-read-api';
import { AuditModule, AuditProjectionModule } from '@hub/feature-audit';
import { NotifierModule } from '@hub/feature-notifier';

/**
 * All apps in one process for a single machine (`npm start`): every HTTP route on one port.
 * In production each app runs on its own and scales by Kafka consumer groups.
 */
@Module({
  imports: [PlatformModule, IntakeModule, NormalizerModule, ProjectorModule, ReadApiModule, AuditModule, AuditProjectionModule, NotifierModule],
})
export class HubModule {}
