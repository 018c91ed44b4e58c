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
      const body = exception.getResponse();
      res.status(exception.getStatus()).json(typeof body === 'string' ? { status: exception.getStatus(), detail: body } : body);
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

/**
 * body-parser's own errors (too large, malformed, wrong charset) are the client's fault: they
 * get their 4xx, never a 500, and never the parser's message (it may quote the body).
 */
function bodyParserError(exception: unknown): { status: number; code: string; detail: string } | undefined {
  const error = exception as { type?: unknown; status?: unknown } | undefined;
  if (!error || typeof error.type !== 'string' || typeof error.status !== 'number' || error.status < 400 || error.status >= 500) return undefined;
  if (error.type === 'entity.too.large') return { status: 413, code: 'payload_too_large', detail: 'Request body is over the limit for this route' };
  return { status: error.status, code: 'invalid_body', detail: 'Request body could not be read' };
}
