import { ArgumentsHost, Catch, Controller, ExceptionFilter, Get, Header, HttpCode, HttpStatus, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { HubMetrics } from '@hub/observability';
import { AuthGuard, RequireScopes } from './auth.guard';
import { ReadinessReport, ReadinessService } from './readiness.service';

/** A process that is not ready: answered 503 with the whole report (what is missing), by NotReadyFilter. */
class NotReadyException extends Error {
  constructor(readonly report: ReadinessReport) {
    super('Not ready');
  }
}

@Catch(NotReadyException)
class NotReadyFilter implements ExceptionFilter<NotReadyException> {
  catch(exception: NotReadyException, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().status(HttpStatus.SERVICE_UNAVAILABLE).json(exception.report);
  }
}

/**
 * Liveness and readiness (Kafka, registry, PostgreSQL) without authentication, and Prometheus
 * metrics for a token with scope `metrics:read` (or without a token on the separate metrics
 * listener, METRICS_PORT: `MetricsListener`). No patient data in any of them.
 */
@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessService, private readonly metrics: HubMetrics) {}

  @Get('health/live')
  @HttpCode(200)
  live(): { status: string } {
    return { status: 'live' };
  }

  @Get('health/ready')
  @UseFilters(NotReadyFilter)
  async ready(): Promise<ReadinessReport> {
    const report = await this.readiness.check();
    if (!report.ready) throw new NotReadyException(report);
    return report;
  }

  @Get('metrics')
  @UseGuards(AuthGuard)
  @RequireScopes('metrics:read')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
