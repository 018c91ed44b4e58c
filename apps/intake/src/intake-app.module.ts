import { Module } from '@nestjs/common';
import { PlatformModule } from '@hub/platform';
import { IntakeModule } from '@hub/feature-intake';

@Module({ imports: [PlatformModule, IntakeModule] })
export class IntakeAppModule {}
