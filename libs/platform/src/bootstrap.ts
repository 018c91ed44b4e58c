import 'reflect-metadata';
import { DynamicModule, INestApplication, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { loadHubConfig } from '@hub/config';
import { configureLogging, HubLogger, NestLoggerAdapter } from '@hub/observability';
import { HttpErrorFilter } from './http-error.filter';
import { drainConnections } from './http-drain.service';
import { BOOT_CONFIG } from './platform.tokens';

/** The root bootstrapHttpApp starts: the app's module beside the boot configuration. */
@Module({})
class HttpAppRoot {}

@Module({})
class BootConfigModule {}

/**
 * Starts one Nest application (a single app or the all-in-one hub) with the hub's logging,
 * security headers, error filter and graceful shutdown. Returns the app so tests can stop it.
 */
export async function bootstrapHttpApp(module: Type<unknown>, options: { port?: number; name: string }): Promise<INestApplication> {
  const config = loadHubConfig();
  configureLogging({ level: config.log.level, json: config.log.json });
  const log = new HubLogger(options.name);
  // The configuration parsed above is the process's one: handed to PlatformModule, not parsed again.
  const root: DynamicModule = { module: HttpAppRoot, imports: [{ module: BootConfigModule, global: true, providers: [{ provide: BOOT_CONFIG, useValue: config }], exports: [BOOT_CONFIG] }, module] };
  const app = await NestFactory.create(root, { logger: new NestLoggerAdapter(), bodyParser: false });
  configureHttpApp(app);
  const port = options.port ?? config.port;
  await app.listen(port, '0.0.0.0');
  log.info('Listening', { port });
  return app;
}

/** Security headers, the error filter and graceful shutdown: shared by every app and by tests. */
export function configureHttpApp(app: INestApplication): void {
  // Do not advertise the framework (and its version) to scanners.
  (app.getHttpAdapter().getInstance() as { disable(setting: string): void }).disable('x-powered-by');
  app.use(securityHeaders);
  app.use(drainConnections);
  app.useGlobalFilters(new HttpErrorFilter());
  app.enableShutdownHooks();
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
