import { Module } from '@nestjs/common';
import { PlatformModule } from '@hub/platform';
import { ProjectorModule } from '@hub/feature-projector';
import { AuditProjectionModule } from '@hub/feature-audit';

/** Every projection into PostgreSQL: the read model, the raw archive and the audit log. */
@Module({ imports: [PlatformModule, ProjectorModule, AuditProjectionModule] })
export class ProjectorAppModule {}
