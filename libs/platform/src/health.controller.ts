import { Controller, Get, Header, HttpCode, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { HubMetrics } from '@hub/observability';
import { AuthGuard, RequireScopes } from './auth.guard';
import { ReadinessService } from './readiness.service';

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
  async ready(@Res() res: Response): Promise<void> {
    const report = await this.readiness.check();
    res.status(report.ready ? 200 : 503).json(report);
  }

  @Get('metrics')
  @UseGuards(AuthGuard)
  @RequireScopes('metrics:read')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
