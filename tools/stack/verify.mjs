#!/usr/bin/env node
// Smoke test of the local stack with the project's own client libraries:
//   kafkajs 2.2.4                          -> admin, idempotent producer (acks=-1),
//                                             consumer group, transactions, 20 MB message
//   @kafkajs/confluent-schema-registry 3.x -> Avro register/encode/decode and
//                                             compatibility enforcement (BACKWARD, FULL_TRANSITIVE)
//
// Usage: node tools/stack/verify.mjs [--kafka-only | --registry-only] [--no-large]
// Env:   KAFKA_BROKERS (default 127.0.0.1:${KAFKA_PORT:-9092})
//        SCHEMA_REGISTRY_URL (default http://127.0.0.1:${REGISTRY_PORT:-8081}/apis/ccompat/v7)
// Exit code 0 when every check passed. Topics/subjects it creates are prefixed "stack-verify-".
import { createRequire } from 'node:module';
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(ROOT, 'package.json'));

const args = new Set(process.argv.slice(2));
const doKafka = !args.has('--registry-only');
const doRegistry = !args.has('--kafka-only');
const doLarge = !args.has('--no-large');

const BROKERS = (process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || 9092}`).split(',');
const REGISTRY_URL =
  process.env.SCHEMA_REGISTRY_URL ||
  `http://127.0.0.1:${process.env.REGISTRY_PORT || 8081}/apis/ccompat/v7`;
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

let passed = 0;
let failed = 0;
async function check(name, fn) {
  const t0 = Date.now();
  try {
    const note = await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)${note ? ` - ${note}` : ''}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name} (${Date.now() - t0} ms): ${err?.stack || err}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, rej) => {
    timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Consume from the beginning with a fresh group until `want` messages arrived (or timeout). */
async function consumeN(kafka, topic, want, { isolation = 'read_committed', timeoutMs = 30000 } = {}) {
  const groupId = `${topic}-${isolation}`;
  const consumer = kafka.consumer({
    groupId,
    readUncommitted: isolation === 'read_uncommitted',
    sessionTimeout: 10000,
    heartbeatInterval: 1000,
    maxBytes: 30 * 1024 * 1024,
    maxBytesPerPartition: 30 * 1024 * 1024,
  });
  const got = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let resolveDone;
    const done = new Promise((r) => (resolveDone = r));
    await consumer.run({
      autoCommit: true,
      eachMessage: async ({ partition, message }) => {
        got.push({ partition, key: message.key?.toString(), value: message.value, headers: message.headers });
        if (got.length >= want) resolveDone();
      },
    });
    await withTimeout(done, timeoutMs, `consume ${want} from ${topic} (got ${got.length})`).catch((e) => {
      if (want > 0) throw e;
    });
    // commit what we have so that the group has offsets
    return { got, groupId };
  } finally {
    await consumer.disconnect();
  }
}

async function verifyKafka() {
  const { Kafka, logLevel, CompressionTypes } = require('kafkajs');
  const kjsVersion = require('kafkajs/package.json').version;
  console.log(`# kafkajs ${kjsVersion} against ${BROKERS.join(',')}`);
  const kafka = new Kafka({
    clientId: 'stack-verify',
    brokers: BROKERS,
    // kafkajs logs retriable errors (coordinator loading, CONCURRENT_TRANSACTIONS) at ERROR
    // level although it retries them; VERIFY_KAFKAJS_LOG=warn to see them.
    logLevel: { nothing: logLevel.NOTHING, error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG }[
      (process.env.VERIFY_KAFKAJS_LOG || 'nothing').toLowerCase()
    ] ?? logLevel.NOTHING,
    connectionTimeout: 5000,
    requestTimeout: 30000,
  });
  const admin = kafka.admin();
  await admin.connect();
  const plain = `stack-verify-${RUN}-plain`;
  const txTopic = `stack-verify-${RUN}-tx`;
  const outTopic = `stack-verify-${RUN}-out`;
  const bigTopic = `stack-verify-${RUN}-big`;

  try {
    await check('admin: describeCluster', async () => {
      const c = await admin.describeCluster();
      assert(c.brokers.length >= 1, 'no brokers');
      return `clusterId=${c.clusterId} controller=${c.controller} brokers=${c.brokers.map((b) => `${b.host}:${b.port}`)}`;
    });

    await check('admin: createTopics (3 partitions, rf=1) + fetchTopicMetadata', async () => {
      const created = await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic: plain, numPartitions: 3, replicationFactor: 1 },
          { topic: txTopic, numPartitions: 3, replicationFactor: 1 },
          { topic: outTopic, numPartitions: 1, replicationFactor: 1 },
          {
            topic: bigTopic,
            numPartitions: 1,
            replicationFactor: 1,
            configEntries: [{ name: 'max.message.bytes', value: String(26214400) }],
          },
        ],
      });
      assert(created === true, `createTopics returned ${created}`);
      const md = await admin.fetchTopicMetadata({ topics: [plain] });
      assert(md.topics[0].partitions.length === 3, 'expected 3 partitions');
      const topics = await admin.listTopics();
      assert(topics.includes(plain), 'listTopics misses the new topic');
    });

    await check('broker rejects auto-creation (auto.create.topics.enable=false)', async () => {
      const p = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 1 } });
      await p.connect();
      try {
        await withTimeout(
          p.send({ topic: `stack-verify-${RUN}-nonexistent`, messages: [{ value: 'x' }] }),
          20000,
          'send to missing topic',
        );
        throw new Error('send to a non-existent topic succeeded');
      } catch (e) {
        if (String(e.message).includes('succeeded')) throw e;
        return `rejected: ${e.name}: ${String(e.message).slice(0, 80)}`;
      } finally {
        await p.disconnect();
      }
    });

    await check('producer: idempotent, acks=-1, 30 messages + consumer group read', async () => {
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const res = await producer.send({
        topic: plain,
        acks: -1,
        compression: CompressionTypes.None,
        messages: Array.from({ length: 30 }, (_, i) => ({
          key: `k${i % 7}`,
          value: `v${i}`,
          headers: { 'x-run': RUN },
        })),
      });
      await producer.disconnect();
      assert(res.every((r) => r.errorCode === 0), `produce errors ${JSON.stringify(res)}`);
      const { got, groupId } = await consumeN(kafka, plain, 30);
      assert(got.length === 30, `consumed ${got.length}`);
      assert(got.every((m) => m.headers['x-run']?.toString() === RUN), 'headers lost');
      const offsets = await admin.fetchOffsets({ groupId, topics: [plain] });
      const committed = offsets[0].partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
      assert(committed === 30, `committed offsets sum ${committed}`);
      const groups = await admin.listGroups();
      assert(groups.groups.some((g) => g.groupId === groupId), 'group not listed');
      return `partitions used: ${[...new Set(got.map((m) => m.partition))].sort()}`;
    });

    await check('transactions: commit + abort, read_committed sees only committed', async () => {
      const producer = kafka.producer({
        transactionalId: `stack-verify-${RUN}-txid`,
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await producer.connect();
      let tx = await producer.transaction();
      await tx.send({ topic: txTopic, acks: -1, messages: [{ key: 'a', value: 'committed-1' }, { key: 'b', value: 'committed-2' }] });
      await tx.commit();
      tx = await producer.transaction();
      await tx.send({ topic: txTopic, acks: -1, messages: [{ key: 'a', value: 'aborted-1' }] });
      await tx.abort();
      tx = await producer.transaction();
      await tx.send({ topic: txTopic, acks: -1, messages: [{ key: 'c', value: 'committed-3' }] });
      await tx.commit();
      await producer.disconnect();
      const { got } = await consumeN(kafka, txTopic, 3);
      await sleep(500);
      const values = got.map((m) => m.value.toString()).sort();
      assert(values.length === 3 && !values.includes('aborted-1'), `read_committed got ${values}`);
      const unc = await consumeN(kafka, txTopic, 4, { isolation: 'read_uncommitted' });
      assert(unc.got.map((m) => m.value.toString()).includes('aborted-1'), 'read_uncommitted misses aborted record');
      return values.join(',');
    });

    await check('transactions: consume-transform-produce with sendOffsets', async () => {
      const groupId = `stack-verify-${RUN}-ctp`;
      const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 });
      const producer = kafka.producer({ transactionalId: `stack-verify-${RUN}-ctp`, idempotent: true, maxInFlightRequests: 1 });
      await Promise.all([consumer.connect(), producer.connect()]);
      let n = 0;
      let resolveDone;
      const done = new Promise((r) => (resolveDone = r));
      await consumer.subscribe({ topic: txTopic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const tx = await producer.transaction();
          try {
            await tx.send({ topic: outTopic, messages: [{ key: message.key, value: `out:${message.value}` }] });
            await tx.sendOffsets({
              consumerGroupId: groupId,
              topics: [{ topic, partitions: [{ partition, offset: (BigInt(message.offset) + 1n).toString() }] }],
            });
            await tx.commit();
          } catch (e) {
            await tx.abort();
            throw e;
          }
          if (++n >= 3) resolveDone();
        },
      });
      try {
        await withTimeout(done, 30000, 'consume-transform-produce');
      } finally {
        await consumer.disconnect();
        await producer.disconnect();
      }
      const offsets = await admin.fetchOffsets({ groupId, topics: [txTopic] });
      const committed = offsets[0].partitions.filter((p) => Number(p.offset) > 0).length;
      assert(committed >= 1, 'no transactional offsets committed');
      const { got } = await consumeN(kafka, outTopic, 3);
      assert(got.length === 3, `out topic has ${got.length}`);
    });

    if (doLarge) {
      await check('20 MB message round trip (message.max.bytes=26214400)', async () => {
        const size = 20 * 1024 * 1024;
        const payload = Buffer.alloc(size, 7);
        payload.write(RUN, 0);
        const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        await producer.send({ topic: bigTopic, acks: -1, messages: [{ key: 'big', value: payload }] });
        await producer.disconnect();
        const { got } = await consumeN(kafka, bigTopic, 1);
        assert(got[0].value.length === size, `size ${got[0].value.length}`);
        assert(got[0].value.toString('utf8', 0, RUN.length) === RUN, 'payload mismatch');
      });
    }
  } finally {
    await admin.deleteTopics({ topics: [plain, txTopic, outTopic, bigTopic], timeout: 10000 }).catch(() => {});
    await admin.disconnect();
  }
}

async function http(method, url, body) {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

async function verifyRegistry() {
  const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry');
  const libVersion = require('@kafkajs/confluent-schema-registry/package.json').version;
  console.log(`# @kafkajs/confluent-schema-registry ${libVersion} against ${REGISTRY_URL}`);
  const registry = new SchemaRegistry({ host: REGISTRY_URL });
  const subject = `stack-verify-${RUN}-hendelse-value`;
  const record = (fields) =>
    JSON.stringify({ type: 'record', name: 'Hendelse', namespace: 'no.hendelseslager.verify', fields });
  const v1 = record([
    { name: 'id', type: 'string' },
    { name: 'antall', type: 'int' },
  ]);
  const v2Compatible = record([
    { name: 'id', type: 'string' },
    { name: 'antall', type: 'int' },
    { name: 'kommentar', type: ['null', 'string'], default: null },
  ]);
  const v3Incompatible = record([
    { name: 'id', type: 'string' },
    { name: 'antall', type: 'int' },
    { name: 'kommentar', type: ['null', 'string'], default: null },
    { name: 'paakrevd', type: 'string' }, // new field without default: not BACKWARD compatible
  ]);

  let id1;
  await check('GET /subjects answers 200', async () => {
    const r = await http('GET', `${REGISTRY_URL}/subjects`);
    assert(r.status === 200 && Array.isArray(r.json), `status ${r.status}`);
  });

  await check('register Avro schema via library (sets BACKWARD) + encode/decode', async () => {
    const res = await registry.register({ type: SchemaType.AVRO, schema: v1 }, { subject });
    id1 = res.id;
    const buf = await registry.encode(id1, { id: 'abc', antall: 3 });
    assert(buf[0] === 0 && buf.readInt32BE(1) === id1, 'wire format header');
    const decoded = await registry.decode(buf);
    assert(decoded.id === 'abc' && decoded.antall === 3, `decoded ${JSON.stringify(decoded)}`);
    const again = await registry.register({ type: SchemaType.AVRO, schema: v1 }, { subject });
    assert(again.id === id1, `re-register gave new id ${again.id} != ${id1}`);
    const latest = await registry.getLatestSchemaId(subject);
    assert(latest === id1, `latest id ${latest}`);
    const cfg = await http('GET', `${REGISTRY_URL}/config/${subject}`);
    return `id=${id1}, GET /config/{subject} -> ${cfg.status} ${JSON.stringify(cfg.json)}`;
  });

  await check('PUT /config/{subject} BACKWARD', async () => {
    const r = await http('PUT', `${REGISTRY_URL}/config/${subject}`, { compatibility: 'BACKWARD' });
    assert(r.status === 200, `status ${r.status} ${JSON.stringify(r.json)}`);
    const g = await http('GET', `${REGISTRY_URL}/config/${subject}`);
    assert(g.json?.compatibilityLevel === 'BACKWARD', `GET config ${JSON.stringify(g.json)}`);
  });

  await check('POST /compatibility/subjects/{subject}/versions/latest (incompatible -> false)', async () => {
    const r = await http('POST', `${REGISTRY_URL}/compatibility/subjects/${subject}/versions/latest`, { schema: v3Incompatible });
    assert(r.status === 200, `status ${r.status} ${JSON.stringify(r.json)}`);
    assert(r.json.is_compatible === false, `answer ${JSON.stringify(r.json)}`);
    return JSON.stringify(r.json);
  });

  await check('POST /compatibility/subjects/{subject}/versions/latest (compatible -> true)', async () => {
    const r = await http('POST', `${REGISTRY_URL}/compatibility/subjects/${subject}/versions/latest`, { schema: v2Compatible });
    assert(r.status === 200 && r.json.is_compatible === true, `answer ${r.status} ${JSON.stringify(r.json)}`);
  });

  await check('BACKWARD: incompatible new version is rejected (409)', async () => {
    const raw = await http('POST', `${REGISTRY_URL}/subjects/${subject}/versions`, { schema: v3Incompatible });
    assert(raw.status === 409, `raw POST status ${raw.status} ${JSON.stringify(raw.json)}`);
    let rejected = false;
    try {
      await registry.register({ type: SchemaType.AVRO, schema: v3Incompatible }, { subject });
    } catch {
      rejected = true;
    }
    assert(rejected, 'library register of incompatible schema succeeded');
    return `409 ${JSON.stringify(raw.json).slice(0, 120)}`;
  });

  await check('BACKWARD: compatible new version is accepted, decode old data with new id', async () => {
    const res = await registry.register({ type: SchemaType.AVRO, schema: v2Compatible }, { subject });
    assert(res.id !== id1, 'same id for different schema');
    const versions = await http('GET', `${REGISTRY_URL}/subjects/${subject}/versions`);
    assert(JSON.stringify(versions.json) === '[1,2]', `versions ${JSON.stringify(versions.json)}`);
    const buf = await registry.encode(res.id, { id: 'x', antall: 1, kommentar: 'hei' });
    const d = await registry.decode(buf);
    assert(d.kommentar === 'hei', 'decode v2');
  });

  await check('FULL_TRANSITIVE enforced', async () => {
    const s2 = `stack-verify-${RUN}-full-value`;
    const a = record([{ name: 'id', type: 'string' }, { name: 'x', type: ['null', 'int'], default: null }]);
    const b = record([{ name: 'id', type: 'string' }, { name: 'x', type: ['null', 'int'], default: null }, { name: 'y', type: ['null', 'string'], default: null }]);
    // removing "id" (no default) breaks FORWARD compatibility with a and b
    const c = record([{ name: 'x', type: ['null', 'int'], default: null }, { name: 'y', type: ['null', 'string'], default: null }]);
    let r = await http('POST', `${REGISTRY_URL}/subjects/${s2}/versions`, { schema: a });
    assert(r.status === 200, `register a ${r.status} ${JSON.stringify(r.json)}`);
    r = await http('PUT', `${REGISTRY_URL}/config/${s2}`, { compatibility: 'FULL_TRANSITIVE' });
    assert(r.status === 200 && r.json.compatibility === 'FULL_TRANSITIVE', `PUT config ${JSON.stringify(r.json)}`);
    r = await http('POST', `${REGISTRY_URL}/subjects/${s2}/versions`, { schema: b });
    assert(r.status === 200, `register b ${r.status} ${JSON.stringify(r.json)}`);
    r = await http('POST', `${REGISTRY_URL}/compatibility/subjects/${s2}/versions/latest`, { schema: c });
    assert(r.status === 200 && r.json.is_compatible === false, `compat check c ${r.status} ${JSON.stringify(r.json)}`);
    r = await http('POST', `${REGISTRY_URL}/subjects/${s2}/versions`, { schema: c });
    assert(r.status === 409, `register c should be 409, got ${r.status} ${JSON.stringify(r.json)}`);
    await http('DELETE', `${REGISTRY_URL}/subjects/${s2}`);
  });

  await check('same schema under two subjects gets the same id; GET /schemas/ids/{id}; POST /subjects/{s} lookup', async () => {
    const other = `stack-verify-${RUN}-other-value`;
    const r = await http('POST', `${REGISTRY_URL}/subjects/${other}/versions`, { schema: v1 });
    assert(r.status === 200 && r.json.id === id1, `id ${JSON.stringify(r.json)} != ${id1}`);
    const byId = await http('GET', `${REGISTRY_URL}/schemas/ids/${id1}`);
    assert(byId.status === 200 && JSON.parse(byId.json.schema).name === 'Hendelse', `GET /schemas/ids ${byId.status}`);
    const look = await http('POST', `${REGISTRY_URL}/subjects/${other}`, { schema: v1 });
    assert(look.status === 200 && look.json.version === 1 && look.json.id === id1, `lookup ${JSON.stringify(look.json)}`);
    await http('DELETE', `${REGISTRY_URL}/subjects/${other}`);
    await http('DELETE', `${REGISTRY_URL}/subjects/${other}?permanent=true`);
  });

  await check('invalid Avro schema is rejected (422)', async () => {
    const r = await http('POST', `${REGISTRY_URL}/subjects/stack-verify-${RUN}-bad-value/versions`, {
      schema: JSON.stringify({ type: 'record', name: 'X', fields: [{ name: 'a', type: 'nosuchtype' }] }),
    });
    assert(r.status === 422 || r.status === 400, `status ${r.status} ${JSON.stringify(r.json)}`);
    return `${r.status}`;
  });

  await check('GET /config (global default)', async () => {
    const r = await http('GET', `${REGISTRY_URL}/config`);
    assert(r.status === 200 && r.json.compatibilityLevel, `status ${r.status}`);
    return JSON.stringify(r.json);
  });

  await check('DELETE /subjects/{subject} (soft delete enabled)', async () => {
    const r = await http('DELETE', `${REGISTRY_URL}/subjects/${subject}`);
    assert(r.status === 200, `status ${r.status} ${JSON.stringify(r.json)}`);
    const p = await http('DELETE', `${REGISTRY_URL}/subjects/${subject}?permanent=true`);
    assert(p.status === 200, `permanent delete ${p.status} ${JSON.stringify(p.json)}`);
    return `deleted versions ${JSON.stringify(r.json)}`;
  });
}

const t0 = Date.now();
if (doKafka) await verifyKafka().catch((e) => { failed++; console.log(`FAIL kafka setup: ${e?.stack || e}`); });
if (doRegistry) await verifyRegistry().catch((e) => { failed++; console.log(`FAIL registry setup: ${e?.stack || e}`); });
console.log(`verify: ${passed} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
process.exit(failed ? 1 : 0);
