import { Test } from '@nestjs/testing';
import { HubMetrics } from '@hub/observability';
import { configureHttpApp } from './bootstrap';
import { HttpEdgeAdapter } from './http-edge';
import { AuthGuard } from './auth.guard';
import { HealthController } from './health.controller';
import { ReadinessService } from './readiness.service';

/** The platform's own routes: liveness, readiness (200/503 from the report) and metrics, without any dependency. */
describe('health controller (HTTP edge)', () => {
  it('answers liveness, readiness as the report says, and the metrics text', async () => {
    const readiness = { check: jest.fn().mockResolvedValue({ ready: true, checks: {} }) };
    const moduleRef = await Test.createTestingModule({
      controllers: [HealthController],
      providers: [{ provide: ReadinessService, useValue: readiness }, { provide: HubMetrics, useValue: new HubMetrics() }],
    })
      // /metrics wants scope metrics:read; the guard itself is tested in the security e2e tests.
      .overrideGuard(AuthGuard)
      .useValue({ canActivate: () => true })
      .compile();
    const app = moduleRef.createNestApplication(new HttpEdgeAdapter(), { bodyParser: false, logger: false });
    configureHttpApp(app);
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    try {
      expect(await (await fetch(`${base}/health/live`)).json()).toEqual({ status: 'live' });
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      readiness.check.mockResolvedValue({ ready: false, checks: { kafka: 'down' } });
      const down = await fetch(`${base}/health/ready`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ ready: false, checks: { kafka: 'down' } });
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await metrics.text()).toContain('hendelseslager_read_duration_seconds');
      const unknown = await fetch(`${base}/health/12345678901`);
      expect(unknown.status).toBe(404);
      expect(await unknown.text()).not.toContain('12345678901');
    } finally {
      await app.close();
    }
  });
});
