import { ArgumentsHost, Catch, ExceptionFilter, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { MessageException } from '@hub/messages';
import { IntakeResult, IntakeService } from './intake.service';

/** Writes an intake result: its AppRec as XML, with the status, outcome and original MsgId. */
export function writeAppRec(res: Response, result: IntakeResult): void {
  res.send(appRecAnswer(res, result));
}

/**
 * Sets an intake result's status and headers (the status, the outcome and the original MsgId)
 * and returns its AppRec XML, the body for Nest (or writeAppRec) to send.
 */
export function appRecAnswer(res: Response, result: IntakeResult): string {
  res.status(result.httpStatus).type('application/xml; charset=utf-8');
  // A MsgId need not be a UUID (issue #12): anything outside printable ASCII is percent-encoded,
  // so a header can always be written.
  if (result.msgId) res.setHeader('X-Original-Msg-Id', /^[\x20-\x7e]*$/.test(result.msgId) ? result.msgId : encodeURIComponent(result.msgId));
  res.setHeader('X-Intake-Outcome', result.outcome);
  return result.appRecXml;
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
