import { Controller, Get, Header, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { HubMetrics } from '@hub/observability';
import { ReadinessService } from './readiness.service';

/** Liveness, readiness (Kafka, registry, PostgreSQL) and Prometheus metrics; no auth, no patient data. */
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
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
