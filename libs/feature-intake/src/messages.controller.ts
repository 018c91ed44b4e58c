import { Controller, Headers, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { MessageException, MessageExceptionCode } from '@hub/messages';
import { AuthenticatedRequest, AuthGuard, EdgeException, EdgeExceptionCode, ProblemJsonFilter, RequireScopes } from '@hub/platform';
import { AppRecFilter, appRecAnswer } from './apprec-answer.filter';
import { intakeMapper } from './intake-http.util';
import { IntakeService } from './intake.service';
import type { RawBodyRequest } from './raw-body.middleware';

const XML_TYPES = /^(application|text)\/([\w.+-]+\+)?xml\b/i;

/**
 * `POST /v1/messages`: the single endpoint municipal message gateways push every e-melding to.
 * The answer body is always an AppRec (application receipt) XML (AppRecFilter for a body
 * refused before parsing), except for authentication, authorisation and "try again later"
 * answers, which are JSON problems (ProblemJsonFilter). An AppRec's status (202, 200, 409, 422)
 * follows from the message, so no decorator can declare it: the handler takes the response as
 * `@Res({ passthrough: true })`, Nest's way to set a status and headers it cannot declare, sets
 * them and returns the AppRec, which Nest writes.
 */
@Controller('v1/messages')
@UseGuards(AuthGuard)
@UseFilters(new ProblemJsonFilter(intakeMapper))
export class MessagesController {
  constructor(private readonly intake: IntakeService) {}

  @Post()
  @RequireScopes('messages:write')
  @UseFilters(AppRecFilter)
  async receive(
    @Req() req: RawBodyRequest & AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
    @Headers('content-type') contentType = '',
    @Headers('x-transport') transport?: string,
    @Headers('x-transport-message-id') transportMessageId?: string,
    @Headers('x-from-her-id') fromHerId?: string,
    @Headers('x-to-her-id') toHerId?: string,
  ): Promise<string> {
    if (!XML_TYPES.test(contentType)) {
      throw new EdgeException(EdgeExceptionCode.UNSUPPORTED_MEDIA_TYPE, 'Send the business document as application/xml (bytes as received, any declared encoding)');
    }
    if (req.bodyTooLarge) throw new MessageException(MessageExceptionCode.TOO_LARGE, 'Message body exceeds the configured size limit');
    return appRecAnswer(res, await this.intake.receive(req.rawBody ?? Buffer.alloc(0), req.principal, contentType, { transport, transportMessageId, fromHerId, toHerId }));
  }
}
