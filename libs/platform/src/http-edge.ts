import { CanActivate, ExecutionContext, INestApplication, Injectable, SetMetadata, Type, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import type { Principal } from '@hub/auth';
import { HubMetrics } from '@hub/observability';
import { AccessRefusalAudit, RefusalReason } from './access-refusal-audit.service';
import { arrivedAt } from './request-arrival';

/** The metadata key `@Timed` sets on a handler. */
export const TIMED_ROUTE = 'hub:timed-route';
/** Where HttpEdgeGuard leaves the refusal recorder for the checks that run after it (`@PurposeOfUse()`). */
const REFUSALS = Symbol('hub.edgeRefusals');

type EdgeRequest = Request & { principal?: Principal; [REFUSALS]?: AccessRefusalAudit };

/**
 * The `route` label of a handler's read-duration metric: a fixed name, or one computed from
 * the request, which must then come from a closed set (labels are never free text).
 */
export const Timed = (route: string | ((request: Request) => string)) => SetMetadata(TIMED_ROUTE, route);

/**
 * What a handler returns when its answer needs headers that depend on the result (the audit
 * id of a patient read): the body Nest writes, and the headers HttpEdgeAdapter sets first.
 * Status codes stay declared on the route (`@HttpCode`); refusals are exceptions.
 */
export class Answer<T> {
  constructor(readonly body: T, readonly headers: Readonly<Record<string, string>> = {}) {}
}

/**
 * The HTTP edge's guard, put on a controller by `@EdgeGuards(...)` after the guards listed
 * there, so it runs once they, AuthGuard first, have let the request through
 * (apps/hub/src/http-edge-order.spec.ts checks every controller).
 * - With `@Timed(route)`, it observes `hendelseslager_read_duration_seconds` when the answer is
 *   done (the response's `close`), from the request's arrival (request-arrival.ts), so guards
 *   and body parsing count, and answers and refusals after the class-level guards alike (a
 *   handler's own format guards run after it: their 406 and 415 are timed).
 * - It lets `@PurposeOfUse()` record its 403 as the guards record theirs (recordEdgeRefusal).
 *
 * A guard, not an interceptor: any interceptor makes Nest run the request through an rxjs chain
 * and `AsyncResource.bind`, about a sixth of what the read API allocated per read (bench/RESULTS.md,
 * session 23).
 */
@Injectable()
export class HttpEdgeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector, private readonly metrics: HubMetrics, private readonly refusals: AccessRefusalAudit) {}

  canActivate(context: ExecutionContext): true {
    const http = context.switchToHttp();
    const request = http.getRequest<EdgeRequest>();
    request[REFUSALS] = this.refusals;
    const route = this.reflector.get<string | ((request: Request) => string) | undefined>(TIMED_ROUTE, context.getHandler());
    if (route !== undefined) {
      const started = arrivedAt(request) ?? process.hrtime.bigint();
      http.getResponse<Response>().once('close', () => {
        const label = typeof route === 'function' ? route(request) : route;
        this.metrics.readDuration.observe({ route: label }, Number(process.hrtime.bigint() - started) / 1e9);
      });
    }
    return true;
  }
}

/**
 * A controller's class-level guards, in the order they run, with HttpEdgeGuard appended last:
 * `@EdgeGuards(AuthGuard, ProducesFhirJsonGuard)`. The controller's only class-level
 * `@UseGuards`: Nest appends the guards of each further `@UseGuards` in the order the
 * decorators apply (bottom-up), so one listed above this one would run after the edge guard.
 */
export const EdgeGuards = (...guards: Array<Type<CanActivate>>) => UseGuards(...guards, HttpEdgeGuard);

/**
 * Records a refusal decided after the guards, by a check of the request (a patient read without
 * a valid purpose of use), as AuthGuard records its own: only for token clients (AuthGuard put a
 * principal on the request) on routes behind HttpEdgeGuard. The web page's session routes record
 * theirs with the signed-in person (WebSignInService.recordRefusal), so nothing is recorded twice.
 */
export function recordEdgeRefusal(request: Request, reason: RefusalReason): void {
  const edge = request as EdgeRequest;
  if (edge.principal) edge[REFUSALS]?.record(request, 403, reason, edge.principal);
}

/**
 * Express as Nest runs it, with one addition: a handler's `Answer` gets its headers before Nest
 * writes its body. They are set with Express's `res.set`, so a `Content-Type` among them is
 * completed with its charset as `res.type` does. Every app and test app is created on it
 * (configureHttpApp refuses another adapter).
 */
export class HttpEdgeAdapter extends ExpressAdapter {
  override reply(response: Response, body: unknown, statusCode?: number): unknown {
    if (!(body instanceof Answer)) return super.reply(response, body, statusCode);
    for (const [name, value] of Object.entries(body.headers as Record<string, string>)) response.set(name, value);
    return super.reply(response, body.body, statusCode);
  }
}

/** Refuses an app not created on HttpEdgeAdapter, whose `Answer`s would be written as JSON objects. */
export function assertHttpEdgeAdapter(app: INestApplication): void {
  if (!(app.getHttpAdapter() instanceof HttpEdgeAdapter)) {
    throw new Error('Create the Nest app on HttpEdgeAdapter (NestFactory.create(module, new HttpEdgeAdapter(), ...))');
  }
}
