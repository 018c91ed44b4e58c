import { CanActivate, Controller, ExecutionContext, ForbiddenException, Get, INestApplication, Injectable, UseFilters } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Principal } from '@hub/auth';
import { HubMetrics } from '@hub/observability';
import { AccessRefusalAudit } from './access-refusal-audit.service';
import { ProblemJsonFilter } from './answer-format.filter';
import { configureHttpApp } from './bootstrap';
import { Answer, EdgeGuards, HttpEdgeAdapter, HttpEdgeGuard, Timed } from './http-edge';
import { PurposeOfUse } from './purpose-of-use.decorator';

const GUARD_MS = 60;

/** A guard that takes its time, as token verification or a rate-limit lookup may, and then puts a principal on the request (as AuthGuard does) or refuses. */
@Injectable()
class SlowAuthGuard implements CanActivate {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    await new Promise((r) => setTimeout(r, GUARD_MS));
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string>; principal?: Partial<Principal> }>();
    if (request.headers['x-refuse']) throw new ForbiddenException();
    if (request.headers['x-client']) request.principal = { clientId: request.headers['x-client'] };
    return true;
  }
}

@Controller('edge')
// As every controller of the hub: the edge guard appended after the guards listed.
@EdgeGuards(SlowAuthGuard)
@UseFilters(new ProblemJsonFilter(() => undefined))
class EdgeController {
  @Get('timed')
  @Timed('test')
  timed(): string {
    return 'ok';
  }

  @Get('answer')
  answer(): Answer<object> {
    return new Answer({ found: true }, { 'X-Audit-Id': 'audit-1', 'Content-Type': 'application/fhir+json' });
  }

  @Get('purpose')
  purpose(@PurposeOfUse() purpose: string): string {
    return purpose;
  }
}

describe('HTTP edge (EdgeGuards, HttpEdgeGuard, HttpEdgeAdapter)', () => {
  let app: INestApplication;
  let base: string;
  const metrics = new HubMetrics();
  const record = jest.fn();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [EdgeController],
      providers: [SlowAuthGuard, HttpEdgeGuard, { provide: HubMetrics, useValue: metrics }, { provide: AccessRefusalAudit, useValue: { record } }],
    }).compile();
    app = moduleRef.createNestApplication(new HttpEdgeAdapter(), { logger: false });
    configureHttpApp(app);
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(() => app.close());
  beforeEach(() => record.mockClear());

  const observed = async () => (await metrics.readDuration.get()).values.filter((v) => v.metricName === 'hendelseslager_read_duration_seconds_sum' && v.labels.route === 'test');
  const count = async () => (await metrics.readDuration.get()).values.find((v) => v.metricName === 'hendelseslager_read_duration_seconds_count' && v.labels.route === 'test')?.value ?? 0;

  it('times a read from its arrival, so the guards before the handler count (as a client waits for them)', async () => {
    const before = (await observed())[0]?.value ?? 0;
    const response = await fetch(`${base}/edge/timed`);
    expect(await response.text()).toBe('ok');
    await new Promise((r) => setImmediate(r));
    expect(await count()).toBe(1);
    expect((await observed())[0].value - before).toBeGreaterThanOrEqual((GUARD_MS - 1) / 1000);
  });

  it('does not time a request the guards before it refused', async () => {
    const counted = await count();
    expect((await fetch(`${base}/edge/timed`, { headers: { 'x-refuse': '1' } })).status).toBe(403);
    await new Promise((r) => setImmediate(r));
    expect(await count()).toBe(counted);
  });

  it("writes an Answer's headers before its body, a Content-Type completed with its charset", async () => {
    const response = await fetch(`${base}/edge/answer`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-audit-id')).toBe('audit-1');
    expect(response.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    expect(await response.json()).toEqual({ found: true });
  });

  it('answers without an automatic ETag, so a client never gets a 304 for a read (every answer is no-store)', async () => {
    const first = await fetch(`${base}/edge/answer`);
    expect(first.headers.get('etag')).toBeNull();
    expect(first.headers.get('cache-control')).toBe('no-store');
    const again = await fetch(`${base}/edge/answer`, { headers: { 'If-None-Match': 'W/"any"' } });
    expect(again.status).toBe(200);
  });

  it("records a token client's missing purpose of use once, with its principal, before answering 403", async () => {
    const response = await fetch(`${base}/edge/purpose`, { headers: { 'x-client': 'journal-1' } });
    expect(response.status).toBe(403);
    expect(record).toHaveBeenCalledTimes(1);
    expect(record.mock.calls[0].slice(1)).toEqual([403, 'purpose_of_use_required', { clientId: 'journal-1' }]);
  });

  it('records nothing when the purpose is valid, or when no client was authenticated (those refusals are recorded where the person is known)', async () => {
    const valid = await fetch(`${base}/edge/purpose`, { headers: { 'x-client': 'journal-1', 'x-purpose-of-use': 'TREAT' } });
    expect(await valid.text()).toBe('TREAT');
    expect((await fetch(`${base}/edge/purpose`)).status).toBe(403);
    expect(record).not.toHaveBeenCalled();
  });

  it('refuses an app created on another adapter, whose Answers would be written as JSON objects', async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [] }).compile();
    const plain = moduleRef.createNestApplication({ logger: false });
    expect(() => configureHttpApp(plain)).toThrow(/HttpEdgeAdapter/);
    await plain.close();
  });
});
