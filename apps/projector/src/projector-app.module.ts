import { Module } from '@nestjs/common';
import { PlatformModule } from '@hub/platform';
import { ProjectorModule } from '@hub/feature-projector';

@Module({ imports: [PlatformModule, ProjectorModule] })
export class ProjectorAppModule {}
