import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintDevToken } from '@hub/auth';
import { configureLogging } from '@hub/observability';
import { configureHttpApp, HttpEdgeAdapter } from '@hub/platform';
import { HubModule } from '../../apps/hub/src/hub.module';
import { freePort } from './app-process';
import { isolatedTestEnv, TEST_DATABASE_URL, TEST_KAFKA_BROKERS, TEST_NAMESPACE, TEST_REGISTRY_URL } from './test-env';

export interface TestKommune {
  kommunenummer: string;
  navn: string;
  herIds: string[];
}

export interface HubHarness {
  app: INestApplication;
  baseUrl: string;
  /** Topic namespace the hub runs in. */
  namespace: string;
  directoryPath: string;
  keyFile: string;
  /** Collected log lines of the hub while it ran (for leak tests). */
  logs: string[];
  token(options: { client?: string; scopes: string[]; kommuner: string[]; hpr?: string; name?: string; pid?: string; expiresInSeconds?: number }): Promise<string>;
  writeDirectory(kommuner: TestKommune[]): void;
  close(): Promise<void>;
}

/**
 * Starts the whole hub (all apps in one process, as `npm start` does) against the real local
 * stack, on a random port, with its own directory file and development issuer key.
 */
export async function startHub(kommuner: TestKommune[], env: Record<string, string> = {}, options: { isolated?: string; port?: number } = {}): Promise<HubHarness> {
  const isolated = options.isolated ? await isolatedTestEnv(options.isolated) : undefined;
  const namespace = isolated?.namespace ?? TEST_NAMESPACE;
  const dir = mkdtempSync(join(tmpdir(), 'hub-'));
  const directoryPath = join(dir, 'directory.yaml');
  const keyFile = join(dir, 'dev-issuer-key.json');
  const writeDirectory = (entries: TestKommune[]) =>
    writeFileSync(
      directoryPath,
      `kommuner:\n${entries.map((k) => `  - kommunenummer: "${k.kommunenummer}"\n    navn: ${k.navn}\n    herIds: [${k.herIds.join(', ')}]\n`).join('')}`,
    );
  writeDirectory(kommuner);
  // The port is chosen first: links in answers come from the configured public base URL.
  const port = options.port ?? (await freePort());
  Object.assign(process.env, {
    PORT: String(port),
    HENDELSESLAGER_PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    NODE_ENV: 'test',
    DATABASE_URL: isolated?.databaseUrl ?? TEST_DATABASE_URL,
    KAFKA_BROKERS: TEST_KAFKA_BROKERS,
    SCHEMA_REGISTRY_URL: TEST_REGISTRY_URL,
    HENDELSESLAGER_NAMESPACE: namespace,
    HENDELSESLAGER_DIRECTORY: directoryPath,
    HENDELSESLAGER_DEV_ISSUER: 'true',
    HENDELSESLAGER_DEV_ISSUER_KEY: keyFile,
    HENDELSESLAGER_PSEUDONYM_KEY: 'test-pseudonym-key-0123456789',
    LOG_LEVEL: 'info',
    // Tests poll in tight loops; the per-client limit is tested on its own (security-hardening).
    RATE_LIMIT_PER_CLIENT_PER_SECOND: '0',
    ...env,
  });
  const logs: string[] = [];
  configureLogging({ level: 'info', json: true, sink: (line) => logs.push(line) });
  const app = await NestFactory.create(HubModule, new HttpEdgeAdapter(), { logger: false, bodyParser: false });
  configureHttpApp(app);
  await app.listen(port, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    baseUrl: `http://127.0.0.1:${address.port}`,
    namespace,
    directoryPath,
    keyFile,
    logs,
    writeDirectory,
    token: (o) =>
      mintDevToken(keyFile, {
        client: o.client ?? 'test-client',
        scopes: o.scopes,
        kommuner: o.kommuner,
        audience: 'hendelseslager',
        hpr: o.hpr,
        name: o.name,
        patientIdentifier: o.pid,
        expiresInSeconds: o.expiresInSeconds,
      }),
    close: () => app.close(),
  };
}

/** Polls until `check` returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`Condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}
