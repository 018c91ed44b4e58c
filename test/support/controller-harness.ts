import { Global, INestApplication, Module, Provider, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintDevToken } from '@hub/auth';
import { HubConfig, loadHubConfig } from '@hub/config';
import { KommuneDirectory } from '@hub/directory';
import { HubMetrics } from '@hub/observability';
import { AccessRefusalAudit, AuthGuard, ClientRateLimiter, configureHttpApp, HttpEdgeAdapter, HUB_CONFIG, RequestAuthenticator, TokenVerifierProvider } from '@hub/platform';

export const PUBLIC_BASE_URL = 'https://hub.example.no';
/** The one kommune the harness's directory does not serve (every other kommunenummer is served). */
export const UNSERVED_KOMMUNE = '9999';

export interface ControllerHarness {
  app: INestApplication;
  baseUrl: string;
  config: HubConfig;
  metrics: HubMetrics;
  /** Accesses refused and recorded (AccessRefusalAudit), in order. */
  refusals: Array<{ status: number; reason: string }>;
  token(options: { client?: string; scopes: string[]; kommuner: string[]; pid?: string; securityLevel?: number }): Promise<string>;
  close(): Promise<void>;
}

/**
 * One feature module's controllers over HTTP, in seconds and without Kafka or PostgreSQL: the
 * real module (its middleware, guards, pipes, filters and interceptors), the real token check
 * with a development issuer key, and the services replaced by the fakes a spec passes.
 */
export async function startControllers(feature: Type<unknown>, fakes: Array<[Type<unknown> | string | symbol, unknown]>, env: Record<string, string> = {}): Promise<ControllerHarness> {
  const keyFile = join(mkdtempSync(join(tmpdir(), 'edge-')), 'dev-issuer-key.json');
  const config = loadHubConfig({
    NODE_ENV: 'test',
    HENDELSESLAGER_DEV_ISSUER: 'true',
    HENDELSESLAGER_DEV_ISSUER_KEY: keyFile,
    HENDELSESLAGER_PSEUDONYM_KEY: 'test-pseudonym-key-0123456789',
    HENDELSESLAGER_PUBLIC_BASE_URL: PUBLIC_BASE_URL,
    RATE_LIMIT_PER_CLIENT_PER_SECOND: '0',
    ...env,
  });
  const metrics = new HubMetrics();
  const refusals: Array<{ status: number; reason: string }> = [];
  const platform: Provider[] = [
    { provide: HUB_CONFIG, useValue: config },
    { provide: HubMetrics, useValue: metrics },
    TokenVerifierProvider,
    // Bearer tokens only here: the DPoP replay cache (PostgreSQL) is never reached, so no DataSource.
    { provide: RequestAuthenticator, inject: [TokenVerifierProvider, HUB_CONFIG], useFactory: (tokens: TokenVerifierProvider, c: HubConfig) => new RequestAuthenticator(tokens, c, undefined as never) },
    // Refused accesses are not written to Kafka here.
    { provide: AccessRefusalAudit, useValue: { record: (_request: unknown, status: number, reason: string) => refusals.push({ status, reason }) } },
    // The rate limit in memory (RATE_LIMIT_STORE=memory): its PostgreSQL repository is never reached.
    { provide: ClientRateLimiter, inject: [HUB_CONFIG], useFactory: (c: HubConfig) => new ClientRateLimiter(c, undefined as never) },
    { provide: KommuneDirectory, useValue: { has: (knr: string) => knr !== UNSERVED_KOMMUNE } },
    AuthGuard,
  ];

  @Global()
  @Module({ providers: platform, exports: [HUB_CONFIG, HubMetrics, TokenVerifierProvider, RequestAuthenticator, AccessRefusalAudit, ClientRateLimiter, KommuneDirectory, AuthGuard] })
  class TestPlatformModule {}

  let builder = Test.createTestingModule({ imports: [TestPlatformModule, feature] });
  for (const [token, fake] of fakes) builder = builder.overrideProvider(token).useValue(fake);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication(new HttpEdgeAdapter(), { bodyParser: false, logger: false });
  configureHttpApp(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    config,
    metrics,
    refusals,
    token: (o) => mintDevToken(keyFile, { client: o.client ?? 'edge-test', scopes: o.scopes, kommuner: o.kommuner, audience: 'hendelseslager', patientIdentifier: o.pid, securityLevel: o.securityLevel }),
    close: () => app.close(),
  };
}
