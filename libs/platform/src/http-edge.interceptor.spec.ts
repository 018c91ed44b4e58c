import { CanActivate, Controller, Get, Injectable, UseGuards, UseInterceptors } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HubMetrics } from '@hub/observability';
import { AccessRefusalAudit } from './access-refusal-audit.service';
import { configureHttpApp } from './bootstrap';
import { HttpEdgeInterceptor, Timed } from './http-edge.interceptor';

const GUARD_MS = 60;

/** A guard that takes its time, as token verification or a rate-limit lookup may. */
@Injectable()
class SlowGuard implements CanActivate {
  async canActivate(): Promise<boolean> {
    await new Promise((r) => setTimeout(r, GUARD_MS));
    return true;
  }
}

@Controller('timed')
@UseGuards(SlowGuard)
@UseInterceptors(HttpEdgeInterceptor)
class TimedController {
  @Get()
  @Timed('test')
  get(): string {
    return 'ok';
  }
}

describe('HttpEdgeInterceptor timing', () => {
  it('times a read from its arrival, so the guards before the handler count (as a client waits for them)', async () => {
    const metrics = new HubMetrics();
    const moduleRef = await Test.createTestingModule({
      controllers: [TimedController],
      providers: [SlowGuard, HttpEdgeInterceptor, { provide: HubMetrics, useValue: metrics }, { provide: AccessRefusalAudit, useValue: { record: jest.fn() } }],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    configureHttpApp(app);
    await app.listen(0, '127.0.0.1');
    try {
      const { port } = app.getHttpServer().address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/timed`);
      expect(await response.text()).toBe('ok');
      const observed = (await metrics.readDuration.get()).values.filter((v) => v.metricName === 'hendelseslager_read_duration_seconds_sum' && v.labels.route === 'test');
      expect(observed).toHaveLength(1);
      expect(observed[0].value).toBeGreaterThanOrEqual((GUARD_MS - 1) / 1000);
    } finally {
      await app.close();
    }
  });
});
