import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { catchError, finalize, map, Observable, throwError } from 'rxjs';
import type { Principal } from '@hub/auth';
import { HubMetrics } from '@hub/observability';
import { AccessRefusalAudit } from './access-refusal-audit.service';
import { EdgeException, EdgeExceptionCode } from './edge.exception';
import { arrivedAt } from './request-arrival';

const TIMED_ROUTE = 'hub:timed-route';

/**
 * The `route` label of a handler's read-duration metric: a fixed name, or one computed from
 * the request, which must then come from a closed set (labels are never free text).
 */
export const Timed = (route: string | ((request: Request) => string)) => SetMetadata(TIMED_ROUTE, route);

/**
 * What a handler returns when its answer needs headers that depend on the result (the audit
 * id of a patient read): the body Nest writes, and the headers HttpEdgeInterceptor sets first.
 * Status codes stay declared on the route (`@HttpCode`); refusals are exceptions.
 */
export class Answer<T> {
  constructor(readonly body: T, readonly headers: Readonly<Record<string, string>> = {}) {}
}

/**
 * The timing interceptor of the HTTP edge: observes `hendelseslager_read_duration_seconds` for
 * every handler marked `@Timed`, answered or refused (from the request's arrival, see
 * request-arrival.ts, to the handler's answer), and writes an `Answer`'s headers before
 * Nest writes its body. One interceptor for both: each interceptor costs Nest an rxjs chain per
 * request, which the read benchmark showed. It also records the one refusal decided after the
 * guard, a patient read without a valid purpose of use (403), as the guard records its own
 * (AccessRefusalAudit: who, what route, why; never the identifier). Only token clients' refusals
 * are recorded here (AuthGuard put a principal on the request); the web page's session routes,
 * which use this interceptor for their timing and headers, record theirs with the signed-in
 * person (WebSignInService.recordRefusal), so nothing is recorded twice.
 * An Answer's headers are set as Express sets them (`res.set`), so a Content-Type among them is
 * completed with its charset as `res.type` did.
 */
@Injectable()
export class HttpEdgeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector, private readonly metrics: HubMetrics, private readonly refusals: AccessRefusalAudit) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const route = this.reflector.get<string | ((request: Request) => string) | undefined>(TIMED_ROUTE, context.getHandler());
    // From the request's arrival where the app stamps it (configureHttpApp), so the guards and the body parsing count.
    const started = route === undefined ? 0n : (arrivedAt(http.getRequest<Request>()) ?? process.hrtime.bigint());
    const observe = () => {
      const label = typeof route === 'function' ? route(http.getRequest<Request>()) : route;
      this.metrics.readDuration.observe({ route: label }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    const answered = next.handle().pipe(
      map((value: unknown) => {
        if (!(value instanceof Answer)) return value;
        const res = http.getResponse<Response>();
        for (const [name, header] of Object.entries(value.headers)) res.set(name, header);
        return value.body;
      }),
      catchError((error: unknown) => {
        const request = http.getRequest<Request & { principal?: Principal }>();
        if (error instanceof EdgeException && error.code === EdgeExceptionCode.PURPOSE_REQUIRED && request.principal) {
          this.refusals.record(request, 403, 'purpose_of_use_required', request.principal);
        }
        return throwError(() => error);
      }),
    );
    return route === undefined ? answered : answered.pipe(finalize(observe));
  }
}
