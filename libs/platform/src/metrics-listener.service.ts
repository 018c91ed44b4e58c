import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, Server } from 'node:http';
import type { HubConfig } from '@hub/config';
import { HubLogger, HubMetrics } from '@hub/observability';
import { HUB_CONFIG } from './platform.tokens';

/**
 * `/metrics` on a listener of its own (METRICS_PORT on METRICS_HOST, 127.0.0.1 by default),
 * without authentication, for a Prometheus on a private network: Prometheus cannot get HelseID
 * tokens (private_key_jwt), so the scrape is protected by where the listener is reachable, not
 * by a token. Off unless METRICS_PORT is set; the API port's /metrics always wants `metrics:read`.
 */
@Injectable()
export class MetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new HubLogger(MetricsListener.name);
  private server?: Server;

  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig, private readonly metrics: HubMetrics) {}

  /** The port it listens on (the configured one; resolved when 0 is configured in tests). */
  get port(): number | undefined {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { port, host } = this.config.metrics;
    if (port === undefined) return;
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n');
        return;
      }
      this.metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4', 'Cache-Control': 'no-store' }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, () => resolve()));
    this.server = server;
    this.log.info('Metrics listening', { port, host });
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
