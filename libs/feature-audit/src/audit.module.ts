import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { json } from 'express';
import { AccessLogController, PatientSelfController } from './access-log.controller';
import { AuditEventsController } from './audit-events.controller';
import { AuditEventsService } from './audit-events.service';
import { AuditProjectorService } from './audit-projector.service';
import { PatientAccessService } from './patient-access.service';

/**
 * Audit feature: the audit topics projected into PostgreSQL, the patient's access log and
 * blocking (sperring), the privacy officer's access log and the kommune's audit events. Needs PlatformModule.
 */
@Module({
  controllers: [PatientSelfController, AccessLogController, AuditEventsController],
  providers: [PatientAccessService, AuditProjectorService, AuditEventsService],
})
export class AuditModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // Only a tiny JSON body (an identifier) is ever accepted here.
    consumer.apply(json({ limit: '4kb' })).forRoutes({ path: 'api/v1/kommuner/:kommunenummer/access-log', method: RequestMethod.POST });
  }
}
