import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { json, urlencoded } from 'express';
import { DevLoginController } from './dev-login.controller';
import { FhirController } from './fhir.controller';
import { FhirSearchService } from './fhir-search.service';
import { OriginalMessageService } from './original-message.service';
import { PatientOverviewController } from './patient-overview.controller';
import { PatientReadService } from './patient-read.service';
import { SubscriptionController } from './subscription.controller';
import { SubscriptionNotificationService } from './subscription-notification.service';
import { SubscriptionService } from './subscription.service';
import { WebPageController } from './web-page.controller';
import { WebSessionReadsController } from './web-session-reads.controller';
import { WebBackchannelLogoutController } from './web-backchannel-logout.controller';
import { WebSignInController } from './web-sign-in.controller';
import { WebSignInService } from './web-sign-in.service';

/**
 * Read API: FHIR R4 and JSON reads of the read models and of the original messages, every
 * patient read audited first, and the patient overview web page at `/`.
 */
@Module({
  // SubscriptionController before FhirController: the latter's generic `:type/:id` and `:resourceType` routes would answer its paths.
  controllers: [SubscriptionController, FhirController, PatientOverviewController, WebPageController, DevLoginController, WebSignInController, WebBackchannelLogoutController, WebSessionReadsController],
  providers: [PatientReadService, OriginalMessageService, FhirSearchService, WebSignInService, SubscriptionService, SubscriptionNotificationService],
})
export class ReadApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // Small bodies only: searches and lookups, never documents.
    consumer
      .apply(urlencoded({ extended: false, limit: '32kb', type: 'application/x-www-form-urlencoded' }), json({ limit: '32kb', type: ['application/json', 'application/fhir+json'] }))
      .forRoutes('fhir', 'api', 'dev', 'auth', 'session');
  }
}
