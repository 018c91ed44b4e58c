import { Module } from '@nestjs/common';
import { PlatformModule } from '@hub/platform';
import { NotifierModule } from '@hub/feature-notifier';

@Module({ imports: [PlatformModule, NotifierModule] })
export class NotifierAppModule {}
