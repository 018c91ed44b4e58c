import { Controller, Get, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AddressInfo, connect } from 'node:net';
import type { HubConfig } from '@hub/config';
import { bootstrapHttpApp, configureHttpApp } from './bootstrap';
import { HttpEdgeAdapter } from './http-edge';
import { BOOT_CONFIG } from './platform.tokens';

@Module({})
class EmptyModule {}

describe('bootstrapHttpApp', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  const listen = async (env: Record<string, string>) => {
    Object.assign(process.env, { HENDELSESLAGER_DEV_ISSUER: 'true', HENDELSESLAGER_PSEUDONYM_KEY: 'test-pseudonym-key-0123456789', LOG_LEVEL: 'error', ...env });
    const app = await bootstrapHttpApp(EmptyModule, { name: 'bind-test', port: 0 });
    try {
      return (app.getHttpServer().address() as AddressInfo).address;
    } finally {
      await app.close();
    }
  };

  it('hands the app the configuration parsed from the environment, its defaults where unset', async () => {
    Object.assign(process.env, { HENDELSESLAGER_DEV_ISSUER: 'true', HENDELSESLAGER_PSEUDONYM_KEY: 'test-pseudonym-key-0123456789', LOG_LEVEL: 'error' });
    const clientOf = async () => {
      const app = await bootstrapHttpApp(EmptyModule, { name: 'config-test', port: 0 });
      try {
        return app.get<HubConfig>(BOOT_CONFIG).kafka.client;
      } finally {
        await app.close();
      }
    };
    delete process.env.KAFKA_CLIENT;
    expect(await clientOf()).toBe('platformatic');
    process.env.KAFKA_CLIENT = 'kafkajs';
    expect(await clientOf()).toBe('kafkajs');
  });

  it('listens on 127.0.0.1 unless HOST is configured (probe finding 10)', async () => {
    delete process.env.HOST;
    expect(await listen({})).toBe('127.0.0.1');
    expect(await listen({ HOST: '0.0.0.0' })).toBe('0.0.0.0');
  });
});

@Controller('ping')
class PingController {
  @Get()
  ping(): string {
    return 'pong';
  }
}

/** Sends raw HTTP/1.1 requests on one TCP connection, pausing between them as a busy client does. */
async function twoRequestsOnOneConnection(port: number, pauseMs: number): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  const answers: string[] = [];
  let buffer = '';
  let closed = false;
  socket.on('data', (chunk) => {
    buffer += chunk.toString('latin1');
  });
  socket.on('close', () => (closed = true));
  socket.on('error', () => (closed = true));
  const request = 'GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
  const waitForAnswer = async () => {
    const deadline = Date.now() + 3000;
    while (!buffer.includes('pong') && !closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    answers.push(buffer.includes('pong') ? 'pong' : 'no answer');
    buffer = '';
  };
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(request);
  await waitForAnswer();
  await new Promise((r) => setTimeout(r, pauseMs));
  if (!closed) socket.write(request);
  await waitForAnswer();
  socket.destroy();
  return answers;
}

describe('configureHttpApp', () => {
  it('keeps an idle keep-alive connection open longer than Node\'s 5 s default, so a client pausing 6 s is not reset', async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [PingController] }).compile();
    const app = moduleRef.createNestApplication(new HttpEdgeAdapter(), { logger: false });
    configureHttpApp(app);
    await app.listen(0, '127.0.0.1');
    try {
      const { port } = app.getHttpServer().address() as { port: number };
      expect(await twoRequestsOnOneConnection(port, 6000)).toEqual(['pong', 'pong']);
    } finally {
      await app.close();
    }
  }, 20000);
});
