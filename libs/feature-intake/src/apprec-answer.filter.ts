import { ArgumentsHost, Catch, ExceptionFilter, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { MessageException } from '@hub/messages';
import { IntakeResult, IntakeService } from './intake.service';

/** Writes an intake result: its AppRec as XML, with the status, outcome and original MsgId. */
export function writeAppRec(res: Response, result: IntakeResult): void {
  res.status(result.httpStatus).type('application/xml; charset=utf-8');
  if (result.msgId) res.setHeader('X-Original-Msg-Id', result.msgId);
  res.setHeader('X-Intake-Outcome', result.outcome);
  res.send(result.appRecXml);
}

/**
 * The AppRec answer format: a message refused at the edge, before it could be parsed (over the
 * size limit), is answered with a rejecting AppRec as a refused parsed message is.
 */
@Injectable()
@Catch(MessageException)
export class AppRecFilter implements ExceptionFilter<MessageException> {
  constructor(private readonly intake: IntakeService) {}

  catch(exception: MessageException, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    writeAppRec(res, this.intake.rejectUnparsed(exception.code, exception.message));
  }
}
