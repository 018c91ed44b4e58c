import 'reflect-metadata';
import type { Server } from 'node:http';
import { DynamicModule, INestApplication, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { loadHubConfig } from '@hub/config';
import { configureLogging, HubLogger, NestLoggerAdapter } from '@hub/observability';
import { HttpErrorFilter } from './http-error.filter';
import { drainConnections } from './http-drain.service';
import { assertHttpEdgeAdapter, HttpEdgeAdapter } from './http-edge';
import { stampArrival } from './request-arrival';
import { BOOT_APP_NAME, BOOT_CONFIG } from './platform.tokens';

/** The root bootstrapHttpApp starts: the app's module beside the boot configuration. */
@Module({})
class HttpAppRoot {}

@Module({})
class BootConfigModule {}

export interface BootOptions {
  port?: number;
  name: string;
}

/**
 * Starts one Nest application (a single app or the all-in-one hub) with the hub's logging,
 * security headers, error filter and graceful shutdown. Returns the app so tests can stop it.
 */
export async function bootstrapHttpApp(module: Type<unknown>, options: BootOptions): Promise<INestApplication> {
  const config = loadHubConfig();
  configureLogging({ level: config.log.level, json: config.log.json });
  const log = new HubLogger(options.name);
  // The configuration parsed above is the process's one: handed to PlatformModule, not parsed again.
  const boot = [
    { provide: BOOT_CONFIG, useValue: config },
    { provide: BOOT_APP_NAME, useValue: options.name },
  ];
  const root: DynamicModule = { module: HttpAppRoot, imports: [{ module: BootConfigModule, global: true, providers: boot, exports: [BOOT_CONFIG, BOOT_APP_NAME] }, module] };
  const app = await NestFactory.create(root, new HttpEdgeAdapter(), { logger: new NestLoggerAdapter(), bodyParser: false });
  configureHttpApp(app);
  const port = options.port ?? config.port;
  // 127.0.0.1 unless HOST says otherwise: a development hub is not reachable from the network.
  await app.listen(port, config.host);
  log.info('Listening', { port, host: config.host });
  return app;
}

/** Security headers, the error filter and graceful shutdown: shared by every app and by tests (each created on HttpEdgeAdapter). */
export function configureHttpApp(app: INestApplication): void {
  assertHttpEdgeAdapter(app);
  const express = app.getHttpAdapter().getInstance() as { disable(setting: string): void };
  // Do not advertise the framework (and its version) to scanners.
  express.disable('x-powered-by');
  // No automatic ETag: Express hashed every answer's body (SHA-1) for it, about 1 % of read-api's
  // CPU, while every answer is `Cache-Control: no-store` and a patient read must never be answered
  // 304 from a client's copy. An ETag that means something is set by its handler (Binary: the
  // content's SHA-256).
  express.disable('etag');
  // First: when the request arrived, so timed routes count their guards and body parsing too.
  app.use(stampArrival);
  app.use(securityHeaders);
  app.use(drainConnections);
  app.useGlobalFilters(new HttpErrorFilter());
  app.enableShutdownHooks();
  keepConnectionsAlive(app.getHttpServer() as Server);
}

/**
 * Keep-alive connections stay open well beyond a client's pause between requests. Node's default
 * (5 s) races a client that reuses a connection just as the server closes it: the request dies
 * with ECONNRESET and was never seen (read-fhir hit it under load, with a JSON check between two
 * requests). Reverse proxies commonly keep idle connections 60 s, so the server waits longer than
 * that, and headers may take a moment more (Node requires headersTimeout > keepAliveTimeout).
 * Shutdown still closes idle connections at once (HttpDrain).
 */
export function keepConnectionsAlive(server: Server): void {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
}

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', "default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
  res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  next();
}
