import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { json } from 'express';
import { AccessLogController, PatientSelfController } from './access-log.controller';
import { AuditEventsController } from './audit-events.controller';
import { AuditEventsService } from './audit-events.service';
import { AuditProjectorService } from './audit-projector.service';
import { PatientAccessService } from './patient-access.service';

/**
 * Audit feature's HTTP side: the patient's access log and blocking (sperring), the privacy
 * officer's access log and the kommune's audit events. Needs PlatformModule. Consumes nothing:
 * the audit topics are projected by AuditProjectionModule, which runs with the other projections.
 */
@Module({
  controllers: [PatientSelfController, AccessLogController, AuditEventsController],
  providers: [PatientAccessService, AuditEventsService],
})
export class AuditModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // Only a tiny JSON body (an identifier) is ever accepted here.
    consumer.apply(json({ limit: '4kb' })).forRoutes({ path: 'api/v1/kommuner/:kommunenummer/access-log', method: RequestMethod.POST });
  }
}

/**
 * The audit projection: every kommune's audit topic into `audit_log` and `patient_blocks`. Runs in
 * the projector app (and the all-in-one hub), not beside the read API: a read API process then
 * answers reads only, and its instances can come and go without rebalancing a consumer group.
 * Needs PlatformModule.
 */
@Module({ providers: [AuditProjectorService] })
export class AuditProjectionModule {}
