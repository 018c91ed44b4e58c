import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { HubLogger } from '@hub/observability';

/**
 * Last-resort error mapping: HttpExceptions keep their status and body; anything else becomes
 * a 500 with an errorId that is logged, never the internal message (it might contain data).
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly log = new HubLogger(HttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    if (exception instanceof HttpException) {
      const headers = (exception as HttpException & { headers?: Record<string, string> }).headers ?? {};
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      const status = exception.getStatus();
      // The hub's own problems (problem()) keep their text; Nest's built-in ones may quote the
      // request ("Cannot GET /fhir/<path>"), so they get a fixed text for their status.
      res.status(status).json(hubProblemBody(exception) ?? fixedProblem(status, exception.message));
      return;
    }
    const bodyError = bodyParserError(exception);
    if (bodyError) {
      res.status(bodyError.status).json({ status: bodyError.status, code: bodyError.code, detail: bodyError.detail });
      return;
    }
    const errorId = randomUUID();
    this.log.error('Unhandled error', { errorId, error: exception instanceof Error ? exception : String(exception) });
    res.status(500).json({ status: 500, code: 'internal_error', detail: 'Internal error', errorId });
  }
}

/** The body of one of the hub's own problems (`problem()`: `{ status, code, detail }`), else undefined (Nest's own HttpExceptions). */
export function hubProblemBody(exception: HttpException): { status: number; code: string; detail: string } | undefined {
  const body = exception.getResponse() as { status?: unknown; code?: unknown; detail?: unknown };
  return typeof body === 'object' && typeof body.code === 'string' && typeof body.detail === 'string' ? (body as { status: number; code: string; detail: string }) : undefined;
}

/**
 * body-parser's own errors (too large, malformed, wrong charset) are the client's fault: they
 * get their 4xx, never a 500, and never the parser's message (it may quote the body).
 */
function bodyParserError(exception: unknown): { status: number; code: string; detail: string } | undefined {
  const error = exception as { type?: unknown; status?: unknown } | undefined;
  if (!error || typeof error.type !== 'string' || typeof error.status !== 'number' || error.status < 400 || error.status >= 500) return undefined;
  if (error.type === 'entity.too.large') return { status: 413, code: 'payload_too_large', detail: 'Request body is over the limit for this route' };
  if (error.type === 'entity.parse.failed') return invalidJson(String((exception as { message?: unknown }).message ?? ''));
  return { status: error.status, code: 'invalid_body', detail: 'Request body could not be read' };
}

const FIXED_TEXTS: Record<number, [string, string]> = {
  400: ['bad_request', 'Bad request'],
  401: ['unauthorized', 'Authentication required'],
  403: ['forbidden', 'Forbidden'],
  404: ['not_found', 'No such resource'],
  405: ['method_not_allowed', 'Method not allowed'],
  413: ['payload_too_large', 'Request body is over the limit for this route'],
  415: ['unsupported_media_type', 'Unsupported media type'],
};

/** A JSON parser's message quotes the body (Node's JSON.parse does); only the position is kept. */
function invalidJson(message: string): { status: number; code: string; detail: string } {
  const position = /position (\d+)/.exec(message)?.[1];
  return { status: 400, code: 'invalid_body', detail: `Request body is not valid JSON${position ? ` (at position ${position})` : ''}` };
}

/**
 * The answer for an HttpException that is not one of the hub's problems: a fixed text, nothing
 * from the request. Nest turns body-parser's JSON errors into a 400 that carries the parser's
 * message; those keep their position.
 */
function fixedProblem(status: number, message: string): { status: number; code: string; detail: string } {
  if (status === 400 && /JSON/.test(message)) return invalidJson(message);
  const [code, detail] = FIXED_TEXTS[status] ?? (status >= 500 ? ['internal_error', 'Internal error'] : ['request_refused', 'Request refused']);
  return { status, code, detail };
}
