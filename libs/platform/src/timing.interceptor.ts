import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { finalize, Observable } from 'rxjs';
import { HubMetrics } from '@hub/observability';

const TIMED_ROUTE = 'hub:timed-route';

/**
 * The `route` label of a handler's read-duration metric: a fixed name, or one computed from
 * the request, which must then come from a closed set (labels are never free text).
 */
export const Timed = (route: string | ((request: Request) => string)) => SetMetadata(TIMED_ROUTE, route);

/** Observes `hub_read_duration_seconds` for every handler marked `@Timed`, answered or refused. */
@Injectable()
export class TimingInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector, private readonly metrics: HubMetrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const route = this.reflector.get<string | ((request: Request) => string) | undefined>(TIMED_ROUTE, context.getHandler());
    if (route === undefined) return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    const started = process.hrtime.bigint();
    return next.handle().pipe(
      finalize(() => {
        const label = typeof route === 'function' ? route(request) : route;
        this.metrics.readDuration.observe({ route: label }, Number(process.hrtime.bigint() - started) / 1e9);
      }),
    );
  }
}
