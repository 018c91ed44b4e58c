import { BeforeApplicationShutdown, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import type { Server } from 'node:http';
import { HubLogger } from '@hub/observability';

let draining = false;

/**
 * Express middleware: once shutdown has begun, every answer carries `Connection: close`, so a
 * gateway's keep-alive connection ends after its in-flight request instead of keeping the
 * server open (a server under steady load would otherwise never finish closing).
 */
export function drainConnections(_req: Request, res: Response, next: NextFunction): void {
  if (draining) res.setHeader('Connection', 'close');
  next();
}

/**
 * Graceful HTTP shutdown. Nest closes the HTTP server after this hook and before the shutdown
 * hooks that stop consumers, the producer and the database pool, so in-flight requests finish
 * with every dependency still available. Idle keep-alive connections are closed at once, busy
 * ones after their answer; after `deadlineMs` any connection left is closed.
 */
@Injectable()
export class HttpDrain implements OnModuleInit, BeforeApplicationShutdown {
  private readonly log = new HubLogger(HttpDrain.name);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    // A new app in the same process (tests start several in turn) serves keep-alive again.
    draining = false;
  }

  beforeApplicationShutdown(signal?: string): void {
    draining = true;
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) return;
    this.log.info('Draining HTTP connections', { signal });
    server.closeIdleConnections?.();
    const idle = setInterval(() => server.closeIdleConnections?.(), 100);
    idle.unref();
    server.once('close', () => clearInterval(idle));
    setTimeout(() => {
      clearInterval(idle);
      server.closeAllConnections?.();
    }, 10000).unref();
  }
}
