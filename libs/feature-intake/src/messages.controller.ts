import { Controller, Headers, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { MessageExceptionCode } from '@hub/messages';
import { AuthenticatedRequest, AuthGuard, problem, RequireScopes } from '@hub/platform';
import { IntakeException } from './intake.exception';
import { intakeHttpError } from './intake-http.util';
import { IntakeService } from './intake.service';
import type { RawBodyRequest } from './raw-body.middleware';

const XML_TYPES = /^(application|text)\/([\w.+-]+\+)?xml\b/i;

/**
 * `POST /v1/messages`: the single endpoint municipal message gateways push every e-melding to.
 * The answer body is always an AppRec (application receipt) XML, except for authentication,
 * authorisation and "try again later" answers, which are JSON problems.
 */
@Controller('v1/messages')
@UseGuards(AuthGuard)
export class MessagesController {
  constructor(private readonly intake: IntakeService) {}

  @Post()
  @RequireScopes('messages:write')
  async receive(
    @Req() req: RawBodyRequest & AuthenticatedRequest,
    @Res() res: Response,
    @Headers('content-type') contentType = '',
    @Headers('x-transport') transport?: string,
    @Headers('x-transport-message-id') transportMessageId?: string,
    @Headers('x-from-her-id') fromHerId?: string,
    @Headers('x-to-her-id') toHerId?: string,
  ): Promise<void> {
    if (!XML_TYPES.test(contentType)) {
      throw problem(415, 'unsupported_media_type', 'Send the business document as application/xml (bytes as received, any declared encoding)');
    }
    const result = req.bodyTooLarge
      ? this.intake.rejectUnparsed(MessageExceptionCode.TOO_LARGE, 'Message body exceeds the configured size limit')
      : await this.receiveParsed(req, contentType, { transport, transportMessageId, fromHerId, toHerId });
    res.status(result.httpStatus).type('application/xml; charset=utf-8');
    if (result.msgId) res.setHeader('X-Original-Msg-Id', result.msgId);
    res.setHeader('X-Intake-Outcome', result.outcome);
    res.send(result.appRecXml);
  }

  private async receiveParsed(
    req: RawBodyRequest & AuthenticatedRequest,
    contentType: string,
    transport: { transport?: string; transportMessageId?: string; fromHerId?: string; toHerId?: string },
  ) {
    try {
      return await this.intake.receive(req.rawBody ?? Buffer.alloc(0), req.principal, contentType, transport);
    } catch (error) {
      if (error instanceof IntakeException) throw intakeHttpError(error);
      throw error;
    }
  }
}
