import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AvroCodec, isRegistryUnreachable, RegistryUnavailableException, SUBJECT_COMPATIBILITY } from './avro-codec';
import type { RawMessageRecord } from './events/raw-message.event';
import { loadSchema } from './schema-files';
import { TopicNames } from './topics.constant';

const TOPICS = new TopicNames();

/**
 * A Confluent-compatible schema registry in this process, speaking the REST calls the codec and
 * its client make (config, register, schema by id, subjects), so the codec is tested through
 * real HTTP and the real Confluent wire format without the local stack.
 */
class FakeRegistry {
  readonly calls: string[] = [];
  readonly requests: Array<{ call: string; contentType: string | undefined; body: string }> = [];
  readonly config = new Map<string, string>();
  readonly schemas: string[] = [];
  /** Status codes to answer the next requests with, instead of answering them. */
  readonly failNext: number[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const url = decodeURIComponent(req.url ?? '');
    this.calls.push(`${req.method} ${url}`);
    this.requests.push({ call: `${req.method} ${url}`, contentType: req.headers['content-type'], body });
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify(value));
    };
    const failure = this.failNext.shift();
    if (failure) return send(failure, { error_code: failure * 100, message: 'failing on purpose' });
    let m: RegExpExecArray | null;
    if ((m = /^\/config\/(.+)$/.exec(url))) {
      if (req.method === 'PUT') {
        this.config.set(m[1], JSON.parse(body).compatibility);
        return send(200, JSON.parse(body));
      }
      const level = this.config.get(m[1]);
      return level ? send(200, { compatibilityLevel: level }) : send(404, { error_code: 40401, message: 'Subject not found' });
    }
    if ((m = /^\/subjects\/(.+)\/versions$/.exec(url)) && req.method === 'POST') {
      const schema = JSON.parse(body).schema as string;
      let index = this.schemas.indexOf(schema);
      if (index < 0) index = this.schemas.push(schema) - 1;
      return send(200, { id: index + 1 });
    }
    if ((m = /^\/schemas\/ids\/(\d+)$/.exec(url))) {
      const schema = this.schemas[Number(m[1]) - 1];
      return schema ? send(200, { schema }) : send(404, { error_code: 40403, message: 'Schema not found' });
    }
    if (url === '/subjects') return send(200, [...this.config.keys()]);
    return send(404, { error_code: 404, message: 'no such route' });
  }
}

const record: RawMessageRecord = {
  hubMessageId: 'h', kommunenummer: '3428', receivedAt: 1700000000000, gatewayClient: 'gw', msgId: 'm', msgType: 'T', standard: 'PLO', standardVersion: '1.6',
  senderHerIds: ['1'], receiverHerIds: ['2'], patientPseudonym: null, contentType: 'application/xml', declaredEncoding: 'UTF-8', sha256: 'x', sizeBytes: 4,
  payload: Buffer.from('<a/>'), transport: { transport: 'edi', transportMessageId: null, fromHerId: '1', toHerId: null },
};

describe('AvroCodec against a Confluent-compatible registry', () => {
  const registry = new FakeRegistry();
  beforeAll(() => registry.start());
  afterAll(() => registry.stop());
  beforeEach(() => {
    registry.calls.length = 0;
    registry.requests.length = 0;
    registry.config.clear();
    registry.schemas.length = 0;
    registry.failNext.length = 0;
  });

  it('encodes in the Confluent wire format under the topic\'s subject and decodes it back', async () => {
    const codec = new AvroCodec(registry.url, TOPICS);
    const topic = TOPICS.raw('3428');
    const bytes = await codec.encode(topic, record);
    // Magic byte 0, then the schema id as a 4-byte big-endian integer.
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(1);
    expect(registry.schemas).toEqual([loadSchema('raw')]);
    expect(registry.config.get(`${topic}-value`)).toBe('FULL_TRANSITIVE');
    // The codec sets the level itself, first, in the registry's own media type.
    expect(registry.requests[0]).toEqual({ call: `PUT /config/${topic}-value`, contentType: 'application/vnd.schemaregistry.v1+json', body: '{"compatibility":"FULL_TRANSITIVE"}' });
    expect(SUBJECT_COMPATIBILITY).toBe('FULL_TRANSITIVE');
    // A reader without the schema fetches it by id.
    const decoded = await new AvroCodec(registry.url, TOPICS).decode<RawMessageRecord>(bytes);
    expect({ ...decoded, payload: Buffer.from(decoded.payload) }).toEqual(record);
  });

  it('registers a topic\'s schema once per process, and each topic under its own subject', async () => {
    const codec = new AvroCodec(registry.url, TOPICS);
    await Promise.all([codec.encode(TOPICS.raw('3428'), record), codec.encode(TOPICS.raw('3428'), record)]);
    await codec.encode(TOPICS.raw('3428'), record);
    expect(registry.calls.filter((c) => c.startsWith('POST'))).toEqual([`POST /subjects/${TOPICS.raw('3428')}-value/versions`]);
    expect(await codec.schemaIdFor(TOPICS.raw('0301'))).toBe(1);
    expect([...registry.config.keys()].sort()).toEqual([`${TOPICS.raw('0301')}-value`, `${TOPICS.raw('3428')}-value`]);
  });

  it('refuses a topic that is not the hub\'s', async () => {
    await expect(new AvroCodec(registry.url, TOPICS).encode('other.topic', record)).rejects.toThrow('Not a hub topic: other.topic');
    // A hub topic of another namespace is not this process's either.
    const foreign = new TopicNames('other').raw('3428');
    await expect(new AvroCodec(registry.url, TOPICS).encode(foreign, record)).rejects.toThrow(`Not a hub topic: ${foreign}`);
  });

  it('does not keep a failed registration: the next call registers again', async () => {
    const codec = new AvroCodec(registry.url, TOPICS);
    registry.failNext.push(500);
    const failed = await codec.schemaIdFor(TOPICS.events('3428')).catch((e) => e);
    expect(failed.message).toMatch(/^Setting compatibility of .*events.v1-value failed: HTTP 500 /);
    // A registry that answers is not "unavailable", even with an error.
    expect(failed).not.toBeInstanceOf(RegistryUnavailableException);
    await new Promise((r) => setImmediate(r));
    expect(await codec.schemaIdFor(TOPICS.events('3428'))).toBe(1);
  });

  it('says the registry is unavailable when it answers 503, and passes other errors on as they are', async () => {
    const codec = new AvroCodec(registry.url, TOPICS);
    registry.failNext.push(503);
    const unavailable = await codec.encode(TOPICS.raw('3428'), record).catch((e) => e);
    expect(unavailable).toBeInstanceOf(RegistryUnavailableException);
    expect(unavailable.message).toMatch(/^Schema registry unavailable: /);
    expect(unavailable.name).toBe('RegistryUnavailableException');
    // A value that does not fit the schema is the caller's error, not the registry's.
    const invalid = await codec.encode(TOPICS.raw('3428'), { ...record, sizeBytes: 'many' }).catch((e) => e);
    expect(invalid).toBeInstanceOf(Error);
    expect(invalid).not.toBeInstanceOf(RegistryUnavailableException);
    // So is a schema id the registry does not know.
    const unknown = Buffer.concat([Buffer.from([0, 0, 0, 0, 99]), Buffer.from([0])]);
    const notFound = await codec.decode(unknown).catch((e) => e);
    expect(notFound).not.toBeInstanceOf(RegistryUnavailableException);
    // A registry answering 502 / 503 with its own JSON message (the status is not in the text).
    registry.failNext.push(502, 502); // the client retries once
    const badGateway = (await new AvroCodec(registry.url, TOPICS).decode(unknown).catch((e) => e)) as Error;
    expect(badGateway).toBeInstanceOf(RegistryUnavailableException);
    expect(badGateway.message).toMatch(/^Schema registry unavailable: /);
    expect(badGateway.cause).toBeDefined();
    registry.failNext.push(404);
    expect(await new AvroCodec(registry.url, TOPICS).decode(unknown).catch((e) => e)).not.toBeInstanceOf(RegistryUnavailableException);
  });

  it('pings the registry, and a failed or refused ping is "unavailable"', async () => {
    await expect(new AvroCodec(registry.url, TOPICS).ping()).resolves.toBeUndefined();
    expect(registry.calls).toEqual(['GET /subjects']);
    registry.failNext.push(500);
    const error = await new AvroCodec(registry.url, TOPICS).ping().catch((e) => e);
    expect(error).toBeInstanceOf(RegistryUnavailableException);
    expect(error.message).toBe('Schema registry unavailable: HTTP 500');
  });
});

describe('AvroCodec against a registry that never answers', () => {
  it('gives up a ping after its timeout and says the registry is unavailable', async () => {
    const sockets: Array<{ destroy(): void }> = [];
    const server = createServer(() => undefined).on('connection', (s) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const error = await new AvroCodec(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, TOPICS).ping().catch((e) => e);
      expect(error).toBeInstanceOf(RegistryUnavailableException);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => server.close(resolve));
    }
  }, 15_000);
});

describe('AvroCodec without a registry', () => {
  // Nothing listens on a port of a server that was just closed.
  let url = '';
  beforeAll(async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise((resolve) => server.close(resolve));
  });

  it('reports a refused connection as the registry being unavailable, for every call', async () => {
    const codec = new AvroCodec(url, TOPICS);
    for (const call of [() => codec.encode(TOPICS.raw('3428'), record), () => codec.ping(), () => codec.registerSchema('s-value', 'raw')]) {
      const error = await call().catch((e) => e);
      expect(error).toBeInstanceOf(RegistryUnavailableException);
      expect(error.cause).toBeDefined();
    }
    const decoded = await codec.decode(Buffer.from([0, 0, 0, 0, 1, 0])).catch((e) => e);
    expect(decoded).toBeInstanceOf(RegistryUnavailableException);
  });
});

describe('isRegistryUnreachable', () => {
  it('finds the socket\'s error code in the message, the error\'s code or its cause\'s code', () => {
    expect(isRegistryUnreachable(new Error('connect ECONNREFUSED 127.0.0.1:8081'))).toBe(true);
    expect(isRegistryUnreachable(Object.assign(new Error('request failed'), { code: 'ECONNRESET' }))).toBe(true);
    // Node's fetch: "fetch failed", the socket's code only on the cause.
    expect(isRegistryUnreachable(new Error('request failed', { cause: Object.assign(new Error('x'), { code: 'EHOSTUNREACH' }) }))).toBe(true);
    expect(isRegistryUnreachable(Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }))).toBe(true);
  });

  it('takes a 502 or 503 status as "try again", whatever the text says', () => {
    expect(isRegistryUnreachable(Object.assign(new Error('Service Unavailable'), { status: 503 }))).toBe(true);
    expect(isRegistryUnreachable(Object.assign(new Error('failing on purpose'), { status: 502 }))).toBe(true);
  });

  it('leaves every other failure to the caller: a refusal, a missing schema, an invalid value, a thrown string', () => {
    expect(isRegistryUnreachable(Object.assign(new Error('Schema not found'), { status: 404 }))).toBe(false);
    expect(isRegistryUnreachable(Object.assign(new Error('Schema being registered is incompatible'), { status: 409, code: 'ERR_BAD_REQUEST' }))).toBe(false);
    expect(isRegistryUnreachable(new Error('invalid "long": "many"', { cause: new Error('no code') }))).toBe(false);
    expect(isRegistryUnreachable('broken')).toBe(false);
    expect(isRegistryUnreachable(undefined)).toBe(false);
  });
});
