import { Module } from '@nestjs/common';
import { ReadModelProjectorService } from './read-model-projector.service';

/** Projector: event topics → PostgreSQL read models (rows and offsets in one transaction). */
@Module({ providers: [ReadModelProjectorService] })
export class ProjectorModule {}
