import type { NextFunction, Request, Response } from 'express';

const ARRIVED = Symbol('hub.requestArrivedAt');

type Stamped = Request & { [ARRIVED]?: bigint };

/**
 * Middleware, first of every app (configureHttpApp): stamps when Node handed the request over
 * (its headers read), so a timed route's latency (HttpEdgeGuard) includes the middleware,
 * the body parsing and the guards that run before the handler, as a client sees them.
 */
export function stampArrival(req: Request, _res: Response, next: NextFunction): void {
  (req as Stamped)[ARRIVED] = process.hrtime.bigint();
  next();
}

/** When the request arrived (`process.hrtime.bigint()`), if `stampArrival` ran for it. */
export function arrivedAt(req: Request): bigint | undefined {
  return (req as Stamped)[ARRIVED];
}
