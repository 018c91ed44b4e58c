import { lookup } from 'node:dns/promises';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { isNonPublicAddress } from '@hub/fhir';
import { postNotification } from './rest-hook.client';

/** The rest-hook POST and its SSRF guard, against a real local HTTP server. */
describe('postNotification', () => {
  let server: Server;
  let port: number;
  const received: Array<{ headers: Record<string, unknown>; body: string }> = [];
  let answer = 200;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(answer, answer === 302 ? { Location: 'http://127.0.0.1:1/elsewhere' } : {}).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    received.length = 0;
    answer = 200;
  });

  const allowed = { allowHttp: true, allowedHosts: ['127.0.0.1'] };

  it('POSTs the body as application/fhir+json with the given headers; 2xx is delivered, anything else (a redirect too) is not', async () => {
    expect(await postNotification(`http://127.0.0.1:${port}/hook`, '{"resourceType":"Bundle"}', allowed, 2000, { 'X-Audit-Id': 'a-1' })).toEqual({ ok: true, status: 200 });
    expect(received[0].body).toBe('{"resourceType":"Bundle"}');
    expect(received[0].headers).toMatchObject({ 'content-type': 'application/fhir+json', 'x-audit-id': 'a-1' });
    answer = 503;
    expect(await postNotification(`http://127.0.0.1:${port}/hook`, '{}', allowed, 2000)).toEqual({ ok: false, error: 'endpoint answered HTTP 503' });
    answer = 302;
    expect(await postNotification(`http://127.0.0.1:${port}/hook`, '{}', allowed, 2000)).toEqual({ ok: false, error: 'endpoint answered HTTP 302' });
    expect(received).toHaveLength(3); // one each; the redirect was not followed (its target would refuse)
  });

  it('refuses by policy before connecting: loopback not allowed, http not allowed; errors never carry the URL', async () => {
    const refusedLoopback = await postNotification(`http://127.0.0.1:${port}/secret-path`, '{}', { allowHttp: true, allowedHosts: [] }, 2000);
    const refusedHttp = await postNotification(`http://127.0.0.1:${port}/secret-path`, '{}', { allowHttp: false, allowedHosts: ['127.0.0.1'] }, 2000);
    expect(refusedLoopback).toEqual({ ok: false, error: expect.stringMatching(/private or loopback/) });
    expect(refusedHttp).toEqual({ ok: false, error: expect.stringMatching(/https/) });
    expect(JSON.stringify([refusedLoopback, refusedHttp])).not.toMatch(/secret-path|127\.0\.0\.1/);
    expect(received).toEqual([]);
  });

  it('a name that resolves to a loopback address is refused at the connection unless the name is allowed', async () => {
    const name = hostname().toLowerCase();
    const addresses = await lookup(name, { all: true }).catch(() => []);
    if (!addresses.length || !addresses.every((a) => isNonPublicAddress(a.address)) || !addresses.some((a) => a.address === '127.0.0.1')) return; // this machine's name is not loopback
    // At http's own port (a name not allowed by configuration may use no other): refused at the lookup, before any connection.
    const refused = await postNotification(`http://${name}/hook`, '{}', { allowHttp: true, allowedHosts: [] }, 2000);
    expect(refused).toEqual({ ok: false, error: 'the endpoint host resolves to a private or loopback address the hub is not configured to reach' });
    expect(received).toEqual([]);
    expect(await postNotification(`http://${name}:${port}/hook`, '{}', { allowHttp: true, allowedHosts: [name] }, 2000)).toEqual({ ok: true, status: 200 });
  });

  it('an endpoint that does not answer in time is a failure (timeout), one that is not there is refused', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentPort = (silent.address() as AddressInfo).port;
    try {
      expect(await postNotification(`http://127.0.0.1:${silentPort}/hook`, '{}', allowed, 200)).toEqual({ ok: false, error: 'endpoint not reachable (ETIMEDOUT)' });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
    expect(await postNotification(`http://127.0.0.1:${silentPort}/hook`, '{}', allowed, 2000)).toEqual({ ok: false, error: 'endpoint not reachable (ECONNREFUSED)' });
  });
});
