import { Module } from '@nestjs/common';
import { NormalizerService } from './normalizer.service';

/** Normalizer: raw topic → parsed, mapped document events (or dead letters). */
@Module({ providers: [NormalizerService] })
export class NormalizerModule {}
