import { Module } from '@nestjs/common';
import { PlatformModule, TopicProvisioner } from '@hub/platform';
import { IntakeModule } from '@hub/feature-intake';

@Module({ imports: [PlatformModule, IntakeModule], providers: [TopicProvisioner] })
export class IntakeAppModule {}
