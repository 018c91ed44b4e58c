import { Module } from '@nestjs/common';
import { RawArchiveProjectorService } from './raw-archive-projector.service';
import { ReadModelProjectorService } from './read-model-projector.service';

/**
 * Projector: event topics → PostgreSQL read models, and raw topics → the raw-message archive
 * (each with rows and offsets in one transaction).
 */
@Module({ providers: [ReadModelProjectorService, RawArchiveProjectorService] })
export class ProjectorModule {}
