import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { json, urlencoded } from 'express';
import { AuditService } from './audit.service';
import { FhirController } from './fhir.controller';
import { PatientOverviewController } from './patient-overview.controller';
import { PatientReadService } from './patient-read.service';

/** Read API: FHIR R4 and JSON reads of the read models, every patient read audited first. */
@Module({
  controllers: [FhirController, PatientOverviewController],
  providers: [AuditService, PatientReadService],
})
export class ReadApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // Small bodies only: searches and lookups, never documents.
    consumer
      .apply(urlencoded({ extended: false, limit: '32kb', type: 'application/x-www-form-urlencoded' }), json({ limit: '32kb', type: ['application/json', 'application/fhir+json'] }))
      .forRoutes('fhir', 'api');
  }
}
