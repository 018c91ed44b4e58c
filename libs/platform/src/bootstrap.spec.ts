import { Module } from '@nestjs/common';
import { AddressInfo } from 'node:net';
import { bootstrapHttpApp } from './bootstrap';

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

  it('listens on 127.0.0.1 unless HOST is configured (probe finding 10)', async () => {
    delete process.env.HOST;
    expect(await listen({})).toBe('127.0.0.1');
    expect(await listen({ HOST: '0.0.0.0' })).toBe('0.0.0.0');
  });
});
