#!/usr/bin/env node
// Local infrastructure for Hendelseslager without Docker:
//   kafka     Apache Kafka (KRaft, one combined broker+controller, or N with --brokers N), jars from Maven Central
//   registry  Apicurio Registry 3.x (in-memory H2), Confluent-compatible API at /apis/ccompat/v7
//   postgres  the machine's PostgreSQL (only checked/started, never stopped)
//   idp       the OpenID provider standing in for HelseID (tools/idp/idp.mjs, oidc-provider)
//
// Usage: node tools/stack/stack.mjs up|down|status|logs [service]|verify|help
// Plain Node ESM, no dependencies. See tools/stack/README.md for env vars.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import crypto from 'node:crypto';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const env = process.env;
const int = (v, d) => (v === undefined || v === '' ? d : Number.parseInt(v, 10));

// ---------------------------------------------------------------- configuration
const STACK_DIR = path.resolve(ROOT, env.STACK_DIR || '.stack');
// `--brokers N` (any command) = N combined broker+controller nodes; `up` records the layout in
// run/kafka-layout.json so that status, down and logs know it without the flag.
const ARGV = process.argv.slice(2);
const brokersFlag = ARGV.indexOf('--brokers');
const BROKERS_ARG = brokersFlag >= 0 ? ARGV.splice(brokersFlag, 2)[1] : undefined;
const LAYOUT_FILE = path.join(STACK_DIR, 'run', 'kafka-layout.json');
/** What the last `up` in this STACK_DIR ran: { brokers, port, controllerBasePort, bootstrap }. */
const LAYOUT = (() => {
  try {
    return JSON.parse(fs.readFileSync(LAYOUT_FILE, 'utf8'));
  } catch {
    return {};
  }
})();
const cfg = {
  stackDir: STACK_DIR,
  logDir: path.resolve(ROOT, env.STACK_LOG_DIR || path.join(STACK_DIR, 'logs')),
  dataDir: path.resolve(ROOT, env.STACK_DATA_DIR || path.join(STACK_DIR, 'data')),
  runDir: path.join(STACK_DIR, 'run'),
  mvn: env.MVN || 'mvn',
  stopTimeoutMs: int(env.STACK_STOP_TIMEOUT_S, 30) * 1000,
  mvnTimeoutMs: int(env.MVN_TIMEOUT_S, 900) * 1000,
  kafka: {
    version: env.KAFKA_VERSION || '4.3.1',
    host: env.KAFKA_HOST || '127.0.0.1',
    // ports and node count default to the recorded layout, so `status`/`down`/`logs` need no flags
    port: int(env.KAFKA_PORT, LAYOUT.port ?? 9092),
    controllerPort: int(env.KAFKA_CONTROLLER_PORT, 9093),
    brokers: int(BROKERS_ARG, LAYOUT.brokers ?? 1),
    heapOpts: env.KAFKA_HEAP_OPTS || '',
    javaHome: env.KAFKA_JAVA_HOME || env.JAVA_HOME || '',
    startTimeoutMs: int(env.KAFKA_START_TIMEOUT_S, 120) * 1000,
  },
  registry: {
    version: env.APICURIO_VERSION || '3.3.3',
    host: env.REGISTRY_HOST || '127.0.0.1',
    port: int(env.REGISTRY_PORT, 8081),
    managementPort: int(env.REGISTRY_MANAGEMENT_PORT, 8091),
    heapOpts: env.REGISTRY_HEAP_OPTS || '-Xms64m -Xmx384m',
    javaHome: env.REGISTRY_JAVA_HOME || '',
    accessLog: env.REGISTRY_ACCESS_LOG === '1',
    defaultCompatibility: (env.REGISTRY_DEFAULT_COMPATIBILITY || 'BACKWARD').toUpperCase(),
    startTimeoutMs: int(env.REGISTRY_START_TIMEOUT_S, 120) * 1000,
  },
  idp: {
    host: env.IDP_HOST || '127.0.0.1',
    port: int(env.IDP_PORT, 4455),
    stateDir: path.resolve(ROOT, env.IDP_STATE_DIR || path.join(STACK_DIR, 'idp')),
    skip: env.STACK_SKIP_IDP === '1',
    startTimeoutMs: int(env.IDP_START_TIMEOUT_S, 30) * 1000,
  },
  pg: {
    host: env.PGHOST || '127.0.0.1',
    port: int(env.PGPORT, 5432),
    user: env.PGUSER || 'postgres',
    databases: (env.PG_DATABASES || 'hendelseslager,hendelseslager_test').split(',').map((s) => s.trim()).filter(Boolean),
    skip: env.STACK_SKIP_POSTGRES === '1',
    startTimeoutMs: int(env.PG_START_TIMEOUT_S, 60) * 1000,
  },
};
if (!Number.isInteger(cfg.kafka.brokers) || cfg.kafka.brokers < 1 || cfg.kafka.brokers > 9) {
  console.error(`[stack] ERROR: --brokers must be 1..9, not ${BROKERS_ARG}`);
  process.exit(2);
}
// Several JVMs on a small machine: a smaller heap each unless KAFKA_HEAP_OPTS says otherwise.
cfg.kafka.heapOpts ||= cfg.kafka.brokers === 1 ? '-Xms256m -Xmx768m' : '-Xms128m -Xmx384m';
cfg.kafka.controllerBasePort = int(env.KAFKA_CONTROLLER_BASE_PORT, LAYOUT.controllerBasePort ?? cfg.kafka.port + 100);
cfg.kafka.dir = path.join(STACK_DIR, 'kafka', cfg.kafka.version);
cfg.kafka.libDir = path.join(cfg.kafka.dir, 'lib');
cfg.kafka.dataDir = path.resolve(ROOT, env.KAFKA_DATA_DIR || path.join(cfg.dataDir, 'kafka'));
cfg.kafka.log = path.join(cfg.logDir, 'kafka.log');
cfg.registry.dir = path.join(STACK_DIR, 'registry', cfg.registry.version);
cfg.registry.appDir = path.join(cfg.registry.dir, 'app');
cfg.registry.log = path.join(cfg.logDir, 'registry.log');
cfg.registry.ccompatPath = '/apis/ccompat/v7';
cfg.idp.issuer = env.IDP_ISSUER || `http://${cfg.idp.host}:${cfg.idp.port}`;
cfg.idp.log = path.join(cfg.logDir, 'idp.log');
cfg.idp.script = path.join(ROOT, 'tools', 'idp', 'idp.mjs');

/**
 * The Kafka nodes. One broker (the default): `kafka`, node 1 on KAFKA_PORT / KAFKA_CONTROLLER_PORT,
 * data in KAFKA_DATA_DIR, as before. N brokers: `kafka-1`..`kafka-N`, node i on KAFKA_PORT+i-1 and
 * controller KAFKA_CONTROLLER_BASE_PORT+i-1, data in $STACK_DATA_DIR/kafka-i, all of them voters.
 */
function kafkaNodes() {
  const k = cfg.kafka;
  if (k.brokers === 1) {
    return [{ id: 1, name: 'kafka', port: k.port, controllerPort: k.controllerPort, dataDir: k.dataDir, log: k.log, props: path.join(k.dir, 'server.properties') }];
  }
  return Array.from({ length: k.brokers }, (_, i) => ({
    id: i + 1,
    name: `kafka-${i + 1}`,
    port: k.port + i,
    controllerPort: k.controllerBasePort + i,
    dataDir: path.join(cfg.dataDir, `kafka-${i + 1}`),
    log: path.join(cfg.logDir, `kafka-${i + 1}.log`),
    props: path.join(k.dir, `server-${i + 1}.properties`),
  }));
}
const KAFKA_NODES = kafkaNodes();
const kafkaBootstrap = () => KAFKA_NODES.map((n) => `${cfg.kafka.host}:${n.port}`).join(',');

const SERVICES = {
  ...Object.fromEntries(
    KAFKA_NODES.map((node) => [
      node.name,
      {
        name: node.name,
        node,
        pidFile: path.join(cfg.runDir, `${node.name}.pid`),
        cmdlineMarker: 'kafka.Kafka',
        log: node.log,
        port: node.port,
        host: cfg.kafka.host,
        probe: () => kafkaApiVersionsProbe(cfg.kafka.host, node.port),
        describe: () =>
          `Kafka ${cfg.kafka.version} (KRaft${KAFKA_NODES.length > 1 ? `, node ${node.id} of ${KAFKA_NODES.length}` : ''}) ${cfg.kafka.host}:${node.port}, controller :${node.controllerPort}`,
      },
    ]),
  ),
  registry: {
    name: 'registry',
    pidFile: path.join(cfg.runDir, 'registry.pid'),
    cmdlineMarker: 'quarkus-run.jar',
    log: cfg.registry.log,
    port: cfg.registry.port,
    host: cfg.registry.host,
    probe: () => httpProbe(`http://${cfg.registry.host}:${cfg.registry.port}${cfg.registry.ccompatPath}/subjects`),
    describe: () =>
      `Apicurio Registry ${cfg.registry.version} http://${cfg.registry.host}:${cfg.registry.port}${cfg.registry.ccompatPath}`,
  },
  idp: {
    name: 'idp',
    pidFile: path.join(cfg.runDir, 'idp.pid'),
    cmdlineMarker: path.join('tools', 'idp', 'idp.mjs'),
    log: cfg.idp.log,
    port: cfg.idp.port,
    host: cfg.idp.host,
    // Ready = its discovery document names the configured issuer.
    probe: () => discoveryProbe(cfg.idp.issuer),
    describe: () => `OpenID provider (oidc-provider, HelseID stand-in) ${cfg.idp.issuer}`,
  },
};

// ---------------------------------------------------------------- small helpers
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log('[stack]', ...a);
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
class StackError extends Error {}
function fail(msg) {
  throw new StackError(msg);
}
function mkdirp(p) {
  fs.mkdirSync(p, { recursive: true });
}
function rel(p) {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
}
function tailFile(file, lines = 15) {
  try {
    const txt = fs.readFileSync(file, 'utf8');
    return txt.split('\n').slice(-lines - 1).join('\n');
  } catch {
    return '(no log)';
  }
}

function tcpProbe(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** A real Kafka request: ApiVersions v0. Resolves true when the broker answers it. */
function kafkaApiVersionsProbe(host, port, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const clientId = Buffer.from('stack-probe');
    const correlationId = 0x5747;
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
    body.writeInt16BE(18, 0); // api_key ApiVersions
    body.writeInt16BE(0, 2); // api_version 0
    body.writeInt32BE(correlationId, 4);
    body.writeInt16BE(clientId.length, 8);
    clientId.copy(body, 10);
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length, 0);
    let buf = Buffer.alloc(0);
    const s = net.connect({ host, port });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write(Buffer.concat([size, body])));
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 10) {
        const corr = buf.readInt32BE(4);
        const errorCode = buf.readInt16BE(8);
        // 0 = NONE, 35 = UNSUPPORTED_VERSION (still a live broker answering)
        done(corr === correlationId && (errorCode === 0 || errorCode === 35));
      }
    });
  });
}

async function httpProbe(url, timeoutMs = 2000) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function discoveryProbe(issuer, timeoutMs = 2000) {
  try {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(timeoutMs) });
    if (res.status !== 200) return false;
    return (await res.json()).issuer === issuer;
  } catch {
    return false;
  }
}

/** pid file: line 1 = pid, line 2 = the port the service was started on */
function readPidFile(file) {
  try {
    const [pid, port] = fs.readFileSync(file, 'utf8').split('\n').map((l) => Number.parseInt(l.trim(), 10));
    return { pid: Number.isInteger(pid) && pid > 0 ? pid : null, port: Number.isInteger(port) ? port : null };
  } catch {
    return { pid: null, port: null };
  }
}

function readPid(file) {
  return readPidFile(file).pid;
}

/** Is `pid` alive AND the process we started (its command line contains the marker)? */
function ownedPidAlive(svc) {
  const pid = readPid(svc.pidFile);
  if (!pid) return null;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (e.code !== 'EPERM') return null;
  }
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes(svc.cmdlineMarker)) return null; // pid recycled by something else
    if (fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z')) return null; // zombie
  } catch {
    // no /proc (not Linux): trust kill(0)
  }
  return pid;
}

function javaMajor(javaBin) {
  const r = spawnSync(javaBin, ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 0;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr || r.stdout || '');
  if (!m) return 0;
  return m[1] === '1' ? Number(m[2]) : Number(m[1]);
}

function javaFrom(home) {
  return home ? path.join(home, 'bin', 'java') : 'java';
}

function findJava(minMajor, preferredHome, what) {
  const candidates = [];
  if (preferredHome) candidates.push(javaFrom(preferredHome));
  else {
    candidates.push('java');
    if (env.JAVA_HOME) candidates.push(javaFrom(env.JAVA_HOME));
    try {
      for (const d of fs.readdirSync('/usr/lib/jvm').sort().reverse()) {
        const bin = path.join('/usr/lib/jvm', d, 'bin', 'java');
        if (fs.existsSync(bin)) candidates.push(bin);
      }
    } catch {
      /* no /usr/lib/jvm */
    }
  }
  const seen = [];
  for (const bin of candidates) {
    const major = javaMajor(bin);
    seen.push(`${bin} -> ${major || 'n/a'}`);
    if (major >= minMajor) return { bin, major };
  }
  fail(
    `${what} needs Java ${minMajor}+; none found (${seen.join('; ')}). ` +
      `Install a JDK ${minMajor}+ and point ${what === 'Kafka' ? 'KAFKA_JAVA_HOME' : 'REGISTRY_JAVA_HOME'} at it.`,
  );
}

/** Run a command to completion, capturing output; killed (code -2) after timeoutMs. */
function run(cmd, args, { timeoutMs = 60_000, ...opts } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, timeoutMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: -1, out: `${out}${e}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) resolve({ code: -2, out: `${out}\n[stack] ${cmd} timed out after ${secs(timeoutMs)}\n` });
      else resolve({ code, out });
    });
  });
}

async function waitFor(what, timeoutMs, logFile, fn, { proc } = {}) {
  const t0 = Date.now();
  let delay = 200;
  while (Date.now() - t0 < timeoutMs) {
    if (proc && proc.exitCode !== null) {
      fail(`${what}: process exited with code ${proc.exitCode} before it was ready. See ${rel(logFile)}:\n${tailFile(logFile)}`);
    }
    if (await fn()) return Date.now() - t0;
    await sleep(delay);
    delay = Math.min(1000, delay * 1.5);
  }
  fail(`${what}: not ready after ${secs(timeoutMs)}. See ${rel(logFile)}:\n${tailFile(logFile)}`);
}

// ---------------------------------------------------------------- downloads (cached)
async function ensureKafkaJars() {
  const marker = path.join(cfg.kafka.dir, '.complete');
  if (fs.existsSync(marker)) return false;
  mkdirp(cfg.logDir);
  const mvnLog = path.join(cfg.logDir, 'mvn-kafka.log');
  log(`resolving Kafka ${cfg.kafka.version} jars from Maven Central -> ${rel(cfg.kafka.libDir)} (log: ${rel(mvnLog)})`);
  fs.rmSync(cfg.kafka.libDir, { recursive: true, force: true });
  const r = await run(cfg.mvn, [
    '-B', '-q',
    '-f', path.join(HERE, 'kafka', 'pom.xml'),
    'dependency:copy-dependencies',
    `-Dkafka.version=${cfg.kafka.version}`,
    `-DoutputDirectory=${cfg.kafka.libDir}`,
  ], { timeoutMs: cfg.mvnTimeoutMs });
  fs.writeFileSync(mvnLog, r.out);
  if (r.code !== 0) fail(`Maven could not resolve Kafka ${cfg.kafka.version} (exit ${r.code}). See ${rel(mvnLog)}`);
  if (!fs.existsSync(path.join(cfg.kafka.libDir, `kafka_2.13-${cfg.kafka.version}.jar`))) {
    fail(`kafka_2.13-${cfg.kafka.version}.jar missing after Maven run. See ${rel(mvnLog)}`);
  }
  fs.writeFileSync(marker, new Date().toISOString() + '\n');
  return true;
}

async function ensureRegistryDist() {
  const marker = path.join(cfg.registry.dir, '.complete');
  if (fs.existsSync(marker)) return false;
  mkdirp(cfg.logDir);
  const mvnLog = path.join(cfg.logDir, 'mvn-registry.log');
  const distDir = path.join(cfg.registry.dir, 'dist');
  log(`fetching Apicurio Registry ${cfg.registry.version} from Maven Central -> ${rel(cfg.registry.dir)} (log: ${rel(mvnLog)})`);
  fs.rmSync(cfg.registry.dir, { recursive: true, force: true });
  mkdirp(distDir);
  const r = await run(cfg.mvn, [
    '-B', '-q',
    '-f', path.join(HERE, 'registry', 'pom.xml'),
    'dependency:copy',
    `-Dapicurio.version=${cfg.registry.version}`,
    `-DoutputDirectory=${distDir}`,
  ], { timeoutMs: cfg.mvnTimeoutMs });
  fs.writeFileSync(mvnLog, r.out);
  const tgz = path.join(distDir, `apicurio-registry-app-${cfg.registry.version}-all.tar.gz`);
  if (r.code !== 0 || !fs.existsSync(tgz)) {
    fail(`Maven could not fetch io.apicurio:apicurio-registry-app:${cfg.registry.version}:tar.gz:all (exit ${r.code}). See ${rel(mvnLog)}`);
  }
  mkdirp(cfg.registry.appDir);
  const t = await run('tar', ['xzf', tgz, '-C', cfg.registry.appDir], { timeoutMs: 300_000 });
  if (t.code !== 0) fail(`could not unpack ${rel(tgz)}: ${t.out}`);
  if (!fs.existsSync(path.join(cfg.registry.appDir, 'quarkus-run.jar'))) fail(`quarkus-run.jar not found in ${rel(tgz)}`);
  fs.rmSync(tgz); // the unpacked app is what we keep; Maven's ~/.m2 still has the archive
  fs.writeFileSync(marker, new Date().toISOString() + '\n');
  return true;
}

// ---------------------------------------------------------------- kafka
function kafkaServerProperties(node) {
  const k = cfg.kafka;
  const n = KAFKA_NODES.length;
  // With three nodes: everything (internal topics too) at replication factor 3 and
  // min.insync.replicas 2, so one node may be lost without losing a write acknowledged with acks=all.
  const rf = Math.min(3, n);
  const minIsr = Math.min(2, rf);
  return `# generated by tools/stack/stack.mjs on every 'up' - edit the script, not this file
process.roles=broker,controller
node.id=${node.id}
controller.quorum.voters=${KAFKA_NODES.map((v) => `${v.id}@${k.host}:${v.controllerPort}`).join(',')}
listeners=PLAINTEXT://${k.host}:${node.port},CONTROLLER://${k.host}:${node.controllerPort}
advertised.listeners=PLAINTEXT://${k.host}:${node.port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${node.dataDir}

auto.create.topics.enable=false
num.partitions=3
default.replication.factor=${rf}
min.insync.replicas=${minIsr}
offsets.topic.replication.factor=${rf}
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=${rf}
transaction.state.log.min.isr=${minIsr}
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=${rf}
share.coordinator.state.topic.min.isr=${minIsr}
group.initial.rebalance.delay.ms=0
unclean.leader.election.enable=false

# 20 MB e-messages (with headroom)
message.max.bytes=26214400
replica.fetch.max.bytes=26214400
socket.request.max.bytes=104857600

num.network.threads=2
num.io.threads=${n === 1 ? 4 : 2}
num.replica.fetchers=1
log.retention.hours=168
log.segment.bytes=268435456
`;
}

function kafkaJavaArgs(extra) {
  return [
    ...cfg.kafka.heapOpts.split(/\s+/).filter(Boolean),
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${path.join(HERE, 'kafka', 'log4j2.properties')}`,
    '-cp',
    path.join(cfg.kafka.libDir, '*'),
    ...extra,
  ];
}

/** One cluster id for all nodes: the one already formatted into a node's data dir, else a new one. */
function kafkaClusterId() {
  for (const node of KAFKA_NODES) {
    try {
      const m = /^cluster\.id=(.+)$/m.exec(fs.readFileSync(path.join(node.dataDir, 'meta.properties'), 'utf8'));
      if (m) return m[1].trim();
    } catch {
      /* not formatted */
    }
  }
  // Kafka's own Uuid.randomUuid() never starts with '-': the storage tool's argument parser would
  // read such an id as an option ("argument --cluster-id: expected one argument"), 1 in 64 tries.
  let clusterId;
  do clusterId = crypto.randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-'));
  return clusterId;
}
let clusterIdOnce;

async function formatKafkaStorage(node, javaBin) {
  if (fs.existsSync(path.join(node.dataDir, 'meta.properties'))) return false;
  mkdirp(node.dataDir);
  clusterIdOnce ??= kafkaClusterId();
  log(`formatting Kafka storage ${rel(node.dataDir)} (cluster id ${clusterIdOnce})`);
  const r = await run(javaBin, kafkaJavaArgs(['-Dstack.log.level=WARN', 'kafka.tools.StorageTool', 'format', '-t', clusterIdOnce, '-c', node.props]));
  fs.appendFileSync(node.log, `\n==== ${new Date().toISOString()} kafka-storage format\n${r.out}`);
  if (r.code !== 0) fail(`Kafka storage format failed (exit ${r.code}). See ${rel(node.log)}:\n${r.out.slice(-2000)}`);
  return true;
}

function startKafka(svc) {
  return async () => {
    const java = findJava(17, cfg.kafka.javaHome, 'Kafka');
    mkdirp(cfg.logDir);
    fs.writeFileSync(svc.node.props, kafkaServerProperties(svc.node));
    await formatKafkaStorage(svc.node, java.bin);
    return spawnService(svc, java.bin, kafkaJavaArgs(['kafka.Kafka', svc.node.props]), cfg.kafka.dir);
  };
}

// ---------------------------------------------------------------- registry
async function startRegistry() {
  const java = findJava(21, cfg.registry.javaHome, 'Apicurio Registry 3.3'); // quarkus app is compiled for Java 21
  const r = cfg.registry;
  const props = {
    'quarkus.http.host': r.host,
    'quarkus.http.port': r.port,
    'quarkus.management.host': r.host,
    'quarkus.management.port': r.managementPort,
    'quarkus.http.access-log.enabled': r.accessLog,
    'quarkus.log.console.format': '%d{yyyy-MM-dd HH:mm:ss,SSS} %p [%c{3.}] (%t) %m%n',
    // H2 file storage beside Kafka's data: schema ids are written into every Kafka record, so
    // they must survive a registry restart (an in-memory registry would hand out the same ids
    // to different schemas after a restart and old records would decode wrongly).
    'apicurio.storage.kind': 'sql',
    'apicurio.storage.sql.kind': 'h2',
    'apicurio.datasource.url': `jdbc:h2:file:${path.join(cfg.dataDir, 'registry', 'registry')}`,
    'apicurio.datasource.jdbc.initial-size': 2,
    'apicurio.datasource.jdbc.min-size': 2,
    'apicurio.datasource.jdbc.max-size': 10,
    // Confluent behaviour: DELETE /subjects/{s} and /subjects/{s}/versions/{v} allowed
    'apicurio.rest.deletion.artifact.enabled': true,
    'apicurio.rest.deletion.artifact-version.enabled': true,
    'apicurio.rest.deletion.group.enabled': true,
    // ccompat: ids are content ids (like Confluent), exact-text lookup
    'apicurio.ccompat.legacy-id-mode.enabled': false,
    'apicurio.ccompat.use-canonical-hash': env.REGISTRY_CANONICAL_HASH === '1',
    'apicurio.ccompat.max-subjects': int(env.REGISTRY_MAX_SUBJECTS, 1000),
    // global rules = Confluent's global config; Confluent defaults to BACKWARD (Apicurio to none)
    ...(r.defaultCompatibility !== 'NONE' ? { 'apicurio.rules.global.compatibility': r.defaultCompatibility } : {}),
    // Confluent rejects unparsable schemas (422); Apicurio only does so with a validity rule
    'apicurio.rules.global.validity': 'SYNTAX_ONLY',
  };
  const args = [
    ...r.heapOpts.split(/\s+/).filter(Boolean),
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:+ExitOnOutOfMemoryError',
    ...Object.entries(props).map(([k, v]) => `-D${k}=${v}`),
    '-jar',
    path.join(r.appDir, 'quarkus-run.jar'),
  ];
  return spawnService(SERVICES.registry, java.bin, args, r.appDir);
}

// ---------------------------------------------------------------- OpenID provider
async function startIdp() {
  const i = cfg.idp;
  // The script reads the same variables; they are set explicitly so a STACK_DIR elsewhere holds its state too.
  const idpEnv = { ...env, IDP_HOST: i.host, IDP_PORT: String(i.port), IDP_ISSUER: i.issuer, IDP_STATE_DIR: i.stateDir };
  return spawnService(SERVICES.idp, process.execPath, [i.script], ROOT, idpEnv);
}

// ---------------------------------------------------------------- process management
function spawnService(svc, bin, args, cwd, childEnv = env) {
  mkdirp(cfg.logDir);
  mkdirp(cfg.runDir);
  fs.appendFileSync(svc.log, `\n==== ${new Date().toISOString()} starting ${svc.name}: ${bin} ${args.join(' ')}\n`);
  const offset = fs.statSync(svc.log).size;
  const fd = fs.openSync(svc.log, 'a');
  const child = spawn(bin, args, { cwd, env: childEnv, detached: true, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  child.on('error', () => {});
  child.unref();
  if (!child.pid) fail(`could not start ${svc.name} (${bin}). See ${rel(svc.log)}`);
  fs.writeFileSync(svc.pidFile, `${child.pid}\n${svc.port}\n`);
  log(`started ${svc.name} pid ${child.pid} (log: ${rel(svc.log)})`);
  return { child, logOffset: offset };
}

function logSince(file, offset) {
  try {
    const fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(Math.max(0, size - offset));
    fs.readSync(fd, buf, 0, buf.length, offset);
    fs.closeSync(fd);
    return buf.toString('utf8');
  } catch {
    return '';
  }
}

/** Returns {state, pid}: running (ours), starting (ours, not answering yet), external, busy (port used, wrong answer), down */
async function serviceState(svc) {
  const pid = ownedPidAlive(svc);
  const portOpen = await tcpProbe(svc.host, svc.port);
  const healthy = portOpen && (await svc.probe());
  if (pid) {
    const startedPort = readPidFile(svc.pidFile).port;
    if (startedPort && startedPort !== svc.port) return { state: 'elsewhere', pid, startedPort, portOpen, healthy };
    return { state: healthy ? 'running' : 'starting', pid, portOpen, healthy };
  }
  if (healthy) return { state: 'external', pid: null, portOpen, healthy };
  if (portOpen) return { state: 'busy', pid: null, portOpen, healthy };
  return { state: 'down', pid: null, portOpen, healthy };
}

async function upService(svc, ensureDownload, start, readyLine, timeoutMs) {
  const t0 = Date.now();
  const st = await serviceState(svc);
  if (st.state === 'running') {
    log(`${svc.name}: already running (pid ${st.pid}) - left alone`);
    return { started: false, downloaded: false, ms: Date.now() - t0 };
  }
  if (st.state === 'external' && svc.node && KAFKA_NODES.length > 1) {
    // one node of a cluster cannot be "someone else's broker": it would join nothing of ours
    fail(`${svc.name}: a Kafka the stack did not start already answers on ${svc.host}:${svc.port}. Choose other ports (KAFKA_PORT, KAFKA_CONTROLLER_BASE_PORT).`);
  }
  if (st.state === 'external') {
    log(`${svc.name}: something already answers on ${svc.host}:${svc.port} (not started by the stack, no pid file) - left alone`);
    return { started: false, downloaded: false, ms: Date.now() - t0 };
  }
  if (st.state === 'elsewhere') {
    fail(`${svc.name}: the stack's ${svc.name} (pid ${st.pid}) runs on port ${st.startedPort}, not ${svc.port}. Run 'down' first to change ports.`);
  }
  if (st.state === 'busy') {
    fail(`${svc.name}: port ${svc.host}:${svc.port} is in use by another process that does not answer like ${svc.name}. Free it or set ${svc.node ? 'KAFKA_PORT' : { registry: 'REGISTRY_PORT', idp: 'IDP_PORT' }[svc.name]}.`);
  }
  if (st.state === 'starting') {
    log(`${svc.name}: pid ${st.pid} is running but not ready yet - waiting`);
    const ms = await waitFor(svc.name, timeoutMs, svc.log, svc.probe);
    return { started: false, downloaded: false, ms: Date.now() - t0, readyMs: ms };
  }
  fs.rmSync(svc.pidFile, { force: true });
  const tDl = Date.now();
  const downloaded = await ensureDownload();
  const downloadMs = Date.now() - tDl;
  const tStart = Date.now();
  const { child, logOffset } = await start();
  await waitFor(
    `${svc.name} (pid ${child.pid})`,
    timeoutMs,
    svc.log,
    async () => (await svc.probe()) && (!readyLine || logSince(svc.log, logOffset).includes(readyLine)),
    { proc: child },
  );
  const startMs = Date.now() - tStart;
  log(`${svc.name}: ready in ${secs(startMs)}${downloaded ? ` (download ${secs(downloadMs)})` : ''} - ${svc.describe()}`);
  return { started: true, downloaded, downloadMs, startMs, ms: Date.now() - t0 };
}

async function stopService(svc) {
  const pid = ownedPidAlive(svc);
  if (!pid) {
    const stale = fs.existsSync(svc.pidFile);
    fs.rmSync(svc.pidFile, { force: true });
    const open = await tcpProbe(svc.host, svc.port);
    log(
      `${svc.name}: not running${stale ? ' (removed stale pid file)' : ''}` +
        (open ? ` - note: ${svc.host}:${svc.port} is used by a process the stack did not start; left alone` : ''),
    );
    return;
  }
  const t0 = Date.now();
  log(`${svc.name}: stopping pid ${pid} (SIGTERM)`);
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  while (Date.now() - t0 < cfg.stopTimeoutMs) {
    if (!ownedPidAlive(svc)) break;
    await sleep(250);
  }
  if (ownedPidAlive(svc)) {
    log(`${svc.name}: still alive after ${secs(cfg.stopTimeoutMs)} - SIGKILL`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    await sleep(500);
  }
  fs.rmSync(svc.pidFile, { force: true });
  log(`${svc.name}: stopped in ${secs(Date.now() - t0)}`);
}

// ---------------------------------------------------------------- postgres
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function pgClusters() {
  try {
    return fs.readdirSync('/etc/postgresql').filter((v) => fs.existsSync(path.join('/etc/postgresql', v, 'main')));
  } catch {
    return [];
  }
}

async function ensurePostgres() {
  const { host, port } = cfg.pg;
  const t0 = Date.now();
  if (!(await tcpProbe(host, port))) {
    let versions = pgClusters();
    if (versions.length === 0) {
      const hasServer = fs.existsSync('/usr/lib/postgresql');
      if (!isRoot) {
        fail(
          `PostgreSQL is not reachable at ${host}:${port} and ${hasServer ? 'has no cluster in /etc/postgresql' : 'is not installed'}. ` +
            `As root run: apt-get update && apt-get install -y postgresql && pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`,
        );
      }
      const aptLog = path.join(cfg.logDir, 'apt-postgresql.log');
      log(`PostgreSQL not installed - installing with apt-get (log: ${rel(aptLog)})`);
      let r = await run('apt-get', ['update'], { env: { ...env, DEBIAN_FRONTEND: 'noninteractive' }, timeoutMs: 600_000 });
      fs.writeFileSync(aptLog, r.out);
      r = await run('apt-get', ['install', '-y', 'postgresql'], { env: { ...env, DEBIAN_FRONTEND: 'noninteractive' }, timeoutMs: 1_200_000 });
      fs.appendFileSync(aptLog, r.out);
      if (r.code !== 0) fail(`apt-get install postgresql failed (exit ${r.code}). See ${rel(aptLog)}`);
      versions = pgClusters();
      if (versions.length === 0) fail(`postgresql installed but no cluster under /etc/postgresql. See ${rel(aptLog)}`);
    }
    if (!isRoot) {
      fail(`PostgreSQL is not reachable at ${host}:${port}. As root run: pg_ctlcluster --skip-systemctl-redirect ${versions[0]} main start`);
    }
    for (const v of versions) {
      log(`PostgreSQL not reachable - starting cluster ${v}/main`);
      const r = await run('pg_ctlcluster', ['--skip-systemctl-redirect', v, 'main', 'start']);
      if (r.code !== 0 && !/already running/i.test(r.out)) log(`pg_ctlcluster ${v} main start: exit ${r.code}: ${r.out.trim()}`);
    }
    await waitFor(`postgres ${host}:${port}`, cfg.pg.startTimeoutMs, `/var/log/postgresql/postgresql-${versions[0]}-main.log`, () =>
      tcpProbe(host, port),
    );
  }
  await ensureDatabases();
  log(`postgres: ${host}:${port} reachable, databases ${cfg.pg.databases.join(', ')} present (${secs(Date.now() - t0)})`);
}

async function psql(sql, { viaSocket = false } = {}) {
  const args = ['-X', '-v', 'ON_ERROR_STOP=1', '-tA', '-d', 'postgres', '-c', sql];
  if (viaSocket) return run('runuser', ['-u', 'postgres', '--', 'psql', ...args]);
  return run('psql', ['-h', cfg.pg.host, '-p', String(cfg.pg.port), '-U', cfg.pg.user, ...args], {
    env: { ...env, PGCONNECT_TIMEOUT: '5' },
  });
}

async function ensureDatabases() {
  let viaSocket = false;
  let r = await psql('SELECT datname FROM pg_database');
  if (r.code !== 0 && isRoot) {
    // e.g. a fresh Debian install: password auth on TCP, but peer auth for the postgres OS user
    const s = await psql('SELECT datname FROM pg_database', { viaSocket: true });
    if (s.code === 0) {
      log(`psql over TCP as ${cfg.pg.user} failed (${r.out.trim()}); using the local socket as OS user postgres`);
      r = s;
      viaSocket = true;
    }
  }
  if (r.code !== 0) fail(`cannot query PostgreSQL at ${cfg.pg.host}:${cfg.pg.port} as ${cfg.pg.user}: ${r.out.trim()}`);
  const existing = new Set(r.out.split('\n').map((s) => s.trim()));
  for (const db of cfg.pg.databases) {
    if (existing.has(db)) continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(db)) fail(`refusing odd database name ${JSON.stringify(db)}`);
    const c = await psql(`CREATE DATABASE ${db}`, { viaSocket });
    if (c.code !== 0 && !/already exists/.test(c.out)) fail(`CREATE DATABASE ${db} failed: ${c.out.trim()}`);
    log(`postgres: created database ${db}`);
  }
}

// ---------------------------------------------------------------- commands
async function cmdUp(which) {
  const t0 = Date.now();
  mkdirp(cfg.logDir);
  mkdirp(cfg.dataDir);
  mkdirp(cfg.runDir);
  checkKafkaLayout();
  if (which) {
    // `up kafka-2` (fault drills): that one node only, no other service checked or started
    const svc = SERVICES[which];
    if (!svc?.node) fail(`'up <service>' takes a Kafka node: ${KAFKA_NODES.map((n) => n.name).join(' | ')}`);
    await upService(svc, ensureKafkaJars, startKafka(svc), 'Kafka Server started', cfg.kafka.startTimeoutMs);
    return;
  }
  if (!cfg.pg.skip) await ensurePostgres();
  const layout = { brokers: KAFKA_NODES.length, port: cfg.kafka.port, controllerBasePort: cfg.kafka.controllerBasePort, bootstrap: kafkaBootstrap() };
  fs.writeFileSync(LAYOUT_FILE, JSON.stringify(layout) + '\n');
  // Kafka and the registry are independent: start both at once. Several Kafka nodes start together
  // too: none of them is ready before a quorum of controllers is up.
  const jars = ensureKafkaJars();
  const settled = await Promise.allSettled([
    Promise.allSettled(KAFKA_NODES.map((n) => upService(SERVICES[n.name], () => jars, startKafka(SERVICES[n.name]), 'Kafka Server started', cfg.kafka.startTimeoutMs))).then((nodes) => {
      const failed = nodes.filter((x) => x.status === 'rejected').map((x) => x.reason.message || String(x.reason));
      if (failed.length) fail(failed.join('\n'));
      return nodes.map((x) => x.value);
    }),
    upService(SERVICES.registry, ensureRegistryDist, startRegistry, null, cfg.registry.startTimeoutMs),
    cfg.idp.skip ? Promise.resolve(null) : upService(SERVICES.idp, async () => false, startIdp, null, cfg.idp.startTimeoutMs),
  ]);
  const errors = settled.filter((s) => s.status === 'rejected').map((s) => s.reason);
  if (errors.length) {
    for (const e of errors.slice(1)) console.error(`[stack] ERROR: ${e.message || e}`);
    throw errors[0];
  }
  const [ks, r, i] = settled.map((s) => s.value);
  const k = {
    downloaded: ks.some((x) => x.downloaded),
    started: ks.some((x) => x.started),
    downloadMs: Math.max(...ks.map((x) => x.downloadMs ?? 0)),
    startMs: Math.max(...ks.map((x) => x.startMs ?? 0)),
  };
  const total = Date.now() - t0;
  const kind = k.downloaded || r.downloaded ? 'cold (downloaded)' : k.started || r.started || i?.started ? 'warm (cached, started)' : 'noop (already running)';
  const line =
    `${new Date().toISOString()} up ${kind}: total ${secs(total)}; ` +
    `kafka ${k.started ? `download ${secs(k.downloadMs)} + start ${secs(k.startMs)}` : 'already up'}; ` +
    `registry ${r.started ? `download ${secs(r.downloadMs)} + start ${secs(r.startMs)}` : 'already up'}; ` +
    `idp ${i === null ? 'skipped' : i.started ? `start ${secs(i.startMs)}` : 'already up'}`;
  fs.appendFileSync(path.join(cfg.logDir, 'stack-timings.log'), line + '\n');
  log(line.slice(25));
  console.log('');
  console.log(`  KAFKA_BROKERS=${kafkaBootstrap()}`);
  if (KAFKA_NODES.length > 1) console.log(`  KAFKA_REPLICATION_FACTOR=3 KAFKA_MIN_INSYNC_REPLICAS=2`);
  console.log(`  SCHEMA_REGISTRY_URL=http://${cfg.registry.host}:${cfg.registry.port}${cfg.registry.ccompatPath}`);
  if (!cfg.pg.skip) console.log(`  DATABASE_URL=postgres://${cfg.pg.user}@${cfg.pg.host}:${cfg.pg.port}/${cfg.pg.databases[0]}`);
  if (!cfg.idp.skip) {
    console.log(`  WEB_OIDC_ISSUER=${cfg.idp.issuer}`);
    console.log(`  WEB_OIDC_PRIVATE_KEY=${rel(path.join(cfg.idp.stateDir, 'hendelseslager-web.private.jwk.json'))}`);
  }
}

/** Refuses to mix layouts: nodes of the other layout still running in this STACK_DIR. */
function checkKafkaLayout() {
  const names = new Set(KAFKA_NODES.map((n) => n.name));
  const others = fs.existsSync(cfg.runDir) ? fs.readdirSync(cfg.runDir).filter((f) => /^kafka(-\d+)?\.pid$/.test(f)).map((f) => f.slice(0, -4)) : [];
  const alive = others.filter((name) => !names.has(name) && ownedPidAlive({ pidFile: path.join(cfg.runDir, `${name}.pid`), cmdlineMarker: 'kafka.Kafka' }));
  if (alive.length) fail(`Kafka ${alive.join(', ')} of another layout still run${alive.length === 1 ? 's' : ''} in ${rel(cfg.stackDir)}: run 'down' first (or use another STACK_DIR).`);
}

async function cmdDown(which) {
  // `down kafka` stops every Kafka node, `down kafka-2` one of several, `down registry` the
  // registry (fault drills); `up` starts what is missing.
  if (which) {
    const svcs = which === 'kafka' ? KAFKA_NODES.map((n) => SERVICES[n.name]) : [SERVICES[which]];
    if (!svcs[0]) fail(`unknown service '${which}' (${Object.keys(SERVICES).join(' | ')}${KAFKA_NODES.length > 1 ? ' | kafka' : ''})`);
    await Promise.all(svcs.map(stopService));
    return;
  }
  // registry first (it does not depend on Kafka, but this keeps the order symmetric to up)
  await stopService(SERVICES.idp);
  await stopService(SERVICES.registry);
  await Promise.all(KAFKA_NODES.map((n) => stopService(SERVICES[n.name])));
  log('PostgreSQL is not managed by down (left running)');
}

async function cmdStatus() {
  const rows = [];
  let allUp = true;
  for (const svc of Object.values(SERVICES)) {
    if (svc === SERVICES.idp && cfg.idp.skip) continue;
    const st = await serviceState(svc);
    const up = st.state === 'running' || st.state === 'external';
    allUp &&= up;
    const label = { running: 'up', external: 'up', starting: 'starting', busy: 'port-busy', elsewhere: `up-on-${st.startedPort}` }[st.state] ?? 'down';
    rows.push([svc.name, label, st.pid ?? (st.state === 'external' ? 'external' : '-'), `${svc.host}:${svc.port}`, svc.describe(), rel(svc.log)]);
  }
  if (!cfg.pg.skip) {
    const pgUp = await tcpProbe(cfg.pg.host, cfg.pg.port);
    allUp &&= pgUp;
    rows.push(['postgres', pgUp ? 'up' : 'down', 'system', `${cfg.pg.host}:${cfg.pg.port}`, `PostgreSQL (not managed by down), dbs: ${cfg.pg.databases.join(',')}`, '/var/log/postgresql/']);
  }
  const head = ['SERVICE', 'STATE', 'PID', 'ADDRESS', 'WHAT', 'LOG'];
  const all = [head, ...rows].map((r) => r.map(String));
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  for (const r of all) console.log(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  '));
  process.exitCode = allUp ? 0 : 1;
}

function cmdLogs(which) {
  const kafkaLogs = KAFKA_NODES.map((n) => n.log);
  const files = {
    kafka: kafkaLogs,
    ...Object.fromEntries(KAFKA_NODES.map((n) => [n.name, [n.log]])),
    registry: [cfg.registry.log],
    idp: [cfg.idp.log],
  };
  let list;
  if (!which || which === 'all') list = [...kafkaLogs, cfg.registry.log, cfg.idp.log];
  else if (which === 'postgres') list = fs.existsSync('/var/log/postgresql') ? fs.readdirSync('/var/log/postgresql').filter((f) => f.endsWith('.log')).map((f) => path.join('/var/log/postgresql', f)) : [];
  else if (files[which]) list = files[which];
  else fail(`unknown service '${which}' (${Object.keys(files).join(', ')}, postgres, all)`);
  list = list.filter((f) => fs.existsSync(f));
  if (list.length === 0) fail(`no log files yet in ${rel(cfg.logDir)}`);
  const follow = env.STACK_LOGS_FOLLOW ? env.STACK_LOGS_FOLLOW !== '0' : Boolean(process.stdout.isTTY);
  const child = spawn('tail', ['-n', String(int(env.STACK_LOG_LINES, 100)), ...(follow ? ['-F'] : []), ...list], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
  process.on('SIGINT', () => child.kill('SIGINT'));
}

function cmdVerify(args) {
  const child = spawn(process.execPath, [path.join(HERE, 'verify.mjs'), ...args], {
    stdio: 'inherit',
    env: {
      ...env,
      KAFKA_BROKERS: env.KAFKA_BROKERS || kafkaBootstrap(),
      SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL || `http://${cfg.registry.host}:${cfg.registry.port}${cfg.registry.ccompatPath}`,
    },
  });
  child.on('exit', (code) => process.exit(code ?? 1));
}

function usage() {
  console.log(`usage: node tools/stack/stack.mjs <command>
  up [--brokers N] [kafka-I]  (kafka-I: that node only) start PostgreSQL check + Kafka ${cfg.kafka.version} (1 node, or N combined broker+controller nodes) + Apicurio Registry ${cfg.registry.version} + the OpenID provider (idempotent)
  down [service]   stop what 'up' started, or only kafka (all nodes) | kafka-I (one of N) | registry | idp (pid files; SIGTERM, SIGKILL after ${secs(cfg.stopTimeoutMs)}); PostgreSQL is left running
  status           show each service (state, pid, address); exit 1 if something is down
  logs [service]   tail logs (kafka | registry | idp | postgres | all); follows on a terminal (STACK_LOGS_FOLLOW=0|1)
  verify [--kafka-only|--registry-only|--no-large]   run tools/stack/verify.mjs against the stack
state: ${rel(cfg.stackDir)} (logs ${rel(cfg.logDir)}, data ${rel(cfg.dataDir)})`);
}

const [cmd, ...rest] = ARGV;
try {
  switch (cmd) {
    case 'up':
      await cmdUp(rest[0]);
      break;
    case 'down':
      await cmdDown(rest[0]);
      break;
    case 'status':
      await cmdStatus();
      break;
    case 'logs':
      cmdLogs(rest[0]);
      break;
    case 'verify':
      cmdVerify(rest);
      break;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      usage();
      break;
    default:
      usage();
      process.exitCode = 2;
  }
} catch (e) {
  if (e instanceof StackError) {
    console.error(`[stack] ERROR: ${e.message}`);
    process.exitCode = 1;
  } else throw e;
}
