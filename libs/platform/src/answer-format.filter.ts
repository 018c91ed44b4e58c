import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { Response } from 'express';
import { HubException } from '@hub/exceptions';
import { operationOutcome } from '@hub/fhir';
import { edgeAnswer, EdgeException } from './edge.exception';
import { fhirIssueOf, HttpAnswer } from './http-answer';
import { HttpErrorFilter, hubProblemBody } from './http-error.filter';

/** A feature's exhaustive mapping of its own exception codes; undefined for exceptions that are not its own. */
export type AnswerMapper = (exception: HubException) => HttpAnswer | undefined;

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/**
 * Writes a refused request in one answer format. The edge's own exceptions and the feature's
 * (through its mapper) and the AuthGuard's problems are answered here; anything else (unexpected
 * errors) goes to HttpErrorFilter as before, so an unexpected error is still a 500 with an
 * errorId and never its message.
 */
abstract class AnswerFormatFilter implements ExceptionFilter {
  private readonly fallback = new HttpErrorFilter();

  constructor(private readonly mapper: AnswerMapper = () => undefined) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    const answer =
      exception instanceof EdgeException ? edgeAnswer(exception) : exception instanceof HubException ? this.mapper(exception) : guardProblem(exception);
    if (!answer) return this.fallback.catch(exception, host);
    for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
    this.write(res, answer);
  }

  protected abstract write(res: Response, answer: HttpAnswer): void;
}

/**
 * A refusal of the AuthGuard (`problem()`: 401, 403, 429, 503 with their headers) in the route's
 * format, so a FHIR client gets an OperationOutcome for those too. Other HttpExceptions (Nest's
 * own, whose texts may quote the request) are left to HttpErrorFilter.
 */
function guardProblem(exception: unknown): HttpAnswer | undefined {
  if (!(exception instanceof HttpException)) return undefined;
  const body = hubProblemBody(exception);
  if (!body) return undefined;
  return { status: exception.getStatus(), code: body.code, detail: body.detail, headers: (exception as HttpException & { headers?: Record<string, string> }).headers };
}

/** `{ status, code, detail }` as application/json (the JSON API's and intake's refusals). */
@Catch()
export class ProblemJsonFilter extends AnswerFormatFilter {
  protected write(res: Response, answer: HttpAnswer): void {
    res.status(answer.status).json({ status: answer.status, code: answer.code, detail: answer.detail });
  }
}

/** A FHIR OperationOutcome as application/fhir+json (the FHIR API's refusals). */
@Catch()
export class FhirOutcomeFilter extends AnswerFormatFilter {
  protected write(res: Response, answer: HttpAnswer): void {
    res.status(answer.status).type(FHIR_JSON).json(operationOutcome('error', fhirIssueOf(answer), answer.detail));
  }
}
