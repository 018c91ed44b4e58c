import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { map, Observable } from 'rxjs';

/**
 * What a handler returns when its answer needs headers that depend on the result (the audit
 * id of a patient read): the body Nest writes, and the headers AnswerInterceptor sets first.
 * Status codes stay declared on the route (`@HttpCode`); refusals are exceptions.
 */
export class Answer<T> {
  constructor(readonly body: T, readonly headers: Readonly<Record<string, string>> = {}) {}
}

/** Unwraps an `Answer`: sets its headers, and lets Nest write its body. */
@Injectable()
export class AnswerInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((value: unknown) => {
        if (!(value instanceof Answer)) return value;
        const res = context.switchToHttp().getResponse<Response>();
        for (const [name, header] of Object.entries(value.headers)) res.setHeader(name, header);
        return value.body;
      }),
    );
  }
}
