import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { TopicProvisioner } from '@hub/platform';
import { IntakeXsdValidator } from './intake-xsd.validator';
import { AppRecFilter } from './apprec-answer.filter';
import { IntakeService } from './intake.service';
import { MessagesController } from './messages.controller';
import { RawBodyMiddleware } from './raw-body.middleware';

/** Intake: gateways push e-meldinger; answers with AppRec after the raw record is durable in Kafka. */
@Module({
  controllers: [MessagesController],
  providers: [IntakeService, IntakeXsdValidator, RawBodyMiddleware, TopicProvisioner, AppRecFilter],
})
export class IntakeModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RawBodyMiddleware).forRoutes({ path: 'v1/messages', method: RequestMethod.POST });
  }
}
