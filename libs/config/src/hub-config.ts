import { HubException } from '@hub/exceptions';
import { readFileSync } from 'node:fs';

/**
 * The hub's typed configuration, parsed once from the environment.
 *
 * This is the only module that reads `process.env` (style rule 5): apps receive a `HubConfig`
 * and never look at the environment themselves. Invalid values are collected and reported in a
 * single error so an operator fixes them in one go.
 */
export interface HubConfig {
  port: number;
  /** Address the HTTP server listens on (HOST); 127.0.0.1 unless configured, so a development hub is not reachable from the network. */
  host: string;
  /**
   * The hub's public base URL (HENDELSESLAGER_PUBLIC_BASE_URL), as clients address it: DPoP
   * proofs' `htu` is compared with it, never with the request's Host header.
   */
  publicBaseUrl: string;
  /**
   * Who may read /metrics: on the API port only a token with scope `metrics:read`; with
   * METRICS_PORT also a separate listener without authentication on METRICS_HOST (default
   * 127.0.0.1), for a Prometheus on a private network.
   */
  metrics: { port?: number; host: string };
  kafka: {
    brokers: string[];
    clientId: string;
    /** Prefix of every topic and consumer group (separates test runs from demo data). */
    namespace: string;
    /** Partitions for newly provisioned kommune topics. */
    partitions: number;
    replicationFactor: number;
    /**
     * min.insync.replicas of newly provisioned kommune topics: with acks=all a write is answered
     * only when this many replicas have it. Default min(2, replicationFactor); at most replicationFactor.
     */
    minInsyncReplicas: number;
    /**
     * retention.ms of newly provisioned kommune topics; -1 (the default) keeps records forever,
     * since raw and event topics are the health record's source of truth for many years.
     */
    retentionMs: number;
    /**
     * Kafka client behind the port: @platformatic/kafka (the default since 2026-12-07) or kafkajs
     * (see libs/kafka/README.md, "Which client", and bench/README.md, "Decision (issue 7)").
     */
    client: 'kafkajs' | 'platformatic';
    /** KAFKA_FETCH_MAX_BYTES: the most bytes one consumer fetch returns; unset, the Kafka port's default (libs/kafka). */
    fetchMaxBytes?: number;
    /**
     * KAFKA_FETCH_MAX_WAIT_MS: how long the broker holds a consumer fetch that has fewer than
     * `fetchMinBytes` to return. A record arriving ends the wait at once, so this sets how often
     * idle partitions are polled (each fetch names every assigned partition), not the latency.
     */
    fetchMaxWaitMs: number;
    /** KAFKA_FETCH_MIN_BYTES: bytes a fetch waits for (up to fetchMaxWaitMs); 1 answers with the first record. */
    fetchMinBytes: number;
    /**
     * KAFKA_TOPIC_POLL_MS: how often the consumers of a process list the cluster's topics to find
     * kommune topics provisioned elsewhere (by another instance) or gone. Topics this process
     * provisions are picked up at once. Each list is the metadata of every topic in the cluster:
     * with hundreds of kommuner, thousands.
     */
    topicPollMs: number;
    /** How the topic provisioner creates many kommuner's topics (issue #15). */
    provisioning: {
      /** KAFKA_PROVISION_MAX_RECORDS: metadata records per CreateTopics request (KRaft refuses more than 10000). */
      maxRecordsPerRequest: number;
      /** KAFKA_PROVISION_CONCURRENCY: CreateTopics requests in flight at once. */
      concurrency: number;
    };
  };
  /** LAG_MONITOR_INTERVAL_MS: how often consumer lag and dead-letter topic sizes are measured. */
  lagMonitorIntervalMs: number;
  schemaRegistry: { url: string };
  database: { url: string };
  directoryPath: string;
  /** Key for the patient pseudonym HMAC; must be kept secret and stable for the life of the data. */
  pseudonymKey: string;
  intake: {
    maxBodyBytes: number;
    hubName: string;
    hubHerId?: string;
    /** Validation of every business document against its standard's official XSD (libs/xsd-validation). */
    xsd: { enabled: boolean; workers: number };
  };
  auth: {
    issuer: string;
    audience: string;
    jwksUri?: string;
    /** Development issuer: tokens signed by a local key, never enabled unless configured. */
    devIssuer: { enabled: boolean; keyFile: string };
    clockToleranceSeconds: number;
    /** Longest token lifetime accepted (exp - iat, and the age since iat), AUTH_MAX_TOKEN_LIFETIME_SECONDS. */
    maxTokenLifetimeSeconds: number;
    /** DPoP-bound access tokens (RFC 9449, HelseID's profile). */
    dpop: {
      /** AUTH_DPOP_REQUIRED: every client must send DPoP; plain bearer tokens are refused (default in production). */
      required: boolean;
      /** AUTH_DPOP_NONCE: proofs must carry a server nonce (`DPoP-Nonce`, error use_dpop_nonce). */
      nonce: boolean;
      /** AUTH_DPOP_PROOF_MAX_AGE_SECONDS: how far a proof's `iat` may lie from now (both ways), and how long its `jti` is remembered. */
      proofMaxAgeSeconds: number;
    };
  };
  /** The web page's sign-in (OpenID Connect, HelseID in production) and its session cookie. */
  web: {
    /** The same as the top-level publicBaseUrl: where browsers reach the hub; redirect URIs and the cookies' Secure flag follow from it. */
    publicBaseUrl: string;
    /** Present when WEB_OIDC_ISSUER is set: the page signs in through that provider. */
    oidc?: { issuer: string; clientId: string; privateKeyPath: string; redirectUri: string; postLogoutRedirectUri: string };
    /** Key of the sealed session and login cookies (required in production when sign-in is on). */
    sessionKey: string;
    sessionMaxAgeSeconds: number;
    /** orgnr -> kommune file (HENDELSESLAGER_ORGANISATIONS). */
    organisationsPath: string;
  };
  log: { level: 'debug' | 'info' | 'warn' | 'error'; json: boolean };
  /** Per-client request rate limit of authenticated routes (token bucket per client_id; 0 = off). */
  /** store: where the buckets live; `postgres` = shared by every instance (see ClientRateLimiter in libs/platform). */
  rateLimit: { perSecond: number; burst: number; store: 'memory' | 'postgres' };
  /** Subscription notifications (libs/feature-notifier): the endpoint policy (SSRF guard) and the retry schedule. */
  notifier: {
    /** http:// endpoints allowed too (NOTIFIER_ALLOW_HTTP; refused in production). */
    allowHttp: boolean;
    /** Hosts that may be private or loopback (NOTIFIER_ALLOWED_HOSTS, comma-separated, lower case). */
    allowedHosts: string[];
    /** Failed attempts of one delivery before the Subscription goes to status error. */
    maxAttempts: number;
    /** First retry after this long, doubling per attempt (capped at 5 minutes). */
    retryBaseMs: number;
    /** How often due deliveries and heartbeats are looked for. */
    pollMs: number;
  };
}

export enum ConfigExceptionCode {
  INVALID_CONFIGURATION = 'CONFIG.INVALID',
}

export class ConfigException extends HubException<ConfigExceptionCode> {
  constructor(readonly problems: string[]) {
    super(ConfigExceptionCode.INVALID_CONFIGURATION, `Invalid configuration: ${problems.join('; ')}`);
  }
}

type Env = Record<string, string | undefined>;

/** The pseudonym key a development hub uses when none is configured; public, so refused outside development. */
export const DEV_PSEUDONYM_KEY = 'dev-only-pseudonym-key-change-me';

function validBaseUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash && !url.username;
  } catch {
    return false;
  }
}

/**
 * Parses and validates the environment; throws ConfigException listing every bad variable.
 */
export function loadHubConfig(env: Env = process.env): HubConfig {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min = 0): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      problems.push(`${name}=${raw} (expected an integer >= ${min})`);
      return fallback;
    }
    return value;
  };
  const str = (name: string, fallback: string): string => {
    const raw = env[name];
    return raw === undefined || raw === '' ? fallback : raw;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
    problems.push(`${name}=${raw} (expected true or false)`);
    return fallback;
  };

  const production = str('NODE_ENV', 'development') === 'production';
  const development = str('NODE_ENV', 'development') === 'development';
  const pseudonymKey = str('HENDELSESLAGER_PSEUDONYM_KEY', production ? '' : DEV_PSEUDONYM_KEY);
  if (pseudonymKey.length < 16) problems.push('HENDELSESLAGER_PSEUDONYM_KEY (required, at least 16 characters)');
  // The default key is public (it is in this file): with it anyone can compute every patient's pseudonym.
  else if (pseudonymKey === DEV_PSEUDONYM_KEY && !development) problems.push('HENDELSESLAGER_PSEUDONYM_KEY (the public development key is allowed only with NODE_ENV=development)');
  const level = str('LOG_LEVEL', 'info');
  if (!['debug', 'info', 'warn', 'error'].includes(level)) problems.push(`LOG_LEVEL=${level}`);
  const devIssuerEnabled = bool('HENDELSESLAGER_DEV_ISSUER', false);
  if (devIssuerEnabled && production) problems.push('HENDELSESLAGER_DEV_ISSUER must not be enabled when NODE_ENV=production');

  const port = int('PORT', 3000, 1);
  // One public base URL for every use: DPoP proofs' htu, FHIR links, sign-in redirects and Secure cookies.
  const publicBaseUrl = str('HENDELSESLAGER_PUBLIC_BASE_URL', `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  const oidcIssuer = env.WEB_OIDC_ISSUER || undefined;
  const sessionKey = str('WEB_SESSION_KEY', production ? '' : 'dev-only-web-session-key-change-me');
  if (oidcIssuer && sessionKey.length < 32 && production) problems.push('WEB_SESSION_KEY (required with WEB_OIDC_ISSUER in production, at least 32 characters)');
  if (oidcIssuer && production && !publicBaseUrl.startsWith('https://')) problems.push('HENDELSESLAGER_PUBLIC_BASE_URL must be https in production when WEB_OIDC_ISSUER is set');
  // The demo map's made-up organisations must never sign anyone in to a real hub.
  if (oidcIssuer && production && !env.HENDELSESLAGER_ORGANISATIONS) problems.push('HENDELSESLAGER_ORGANISATIONS (required with WEB_OIDC_ISSUER in production)');
  const replicationFactor = int('KAFKA_REPLICATION_FACTOR', 1, 1);
  const minInsyncReplicas = int('KAFKA_MIN_INSYNC_REPLICAS', Math.min(2, replicationFactor), 1);
  // More than the replicas there are would make every write fail with NOT_ENOUGH_REPLICAS.
  if (minInsyncReplicas > replicationFactor) problems.push(`KAFKA_MIN_INSYNC_REPLICAS=${minInsyncReplicas} (at most KAFKA_REPLICATION_FACTOR=${replicationFactor})`);
  const rateLimitStore = str('RATE_LIMIT_STORE', 'memory') as HubConfig['rateLimit']['store'];
  if (!['memory', 'postgres'].includes(rateLimitStore)) problems.push(`RATE_LIMIT_STORE=${rateLimitStore} (expected memory or postgres)`);
  const metricsPort = env.METRICS_PORT ? int('METRICS_PORT', 0, 1) : undefined;

  const config: HubConfig = {
    port,
    host: str('HOST', '127.0.0.1'),
    publicBaseUrl,
    metrics: { port: metricsPort, host: str('METRICS_HOST', '127.0.0.1') },
    kafka: {
      brokers: str('KAFKA_BROKERS', '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean),
      clientId: str('KAFKA_CLIENT_ID', 'hendelseslager'),
      namespace: str('HENDELSESLAGER_NAMESPACE', 'hendelseslager'),
      partitions: int('KAFKA_TOPIC_PARTITIONS', 3, 1),
      replicationFactor,
      minInsyncReplicas,
      retentionMs: int('KAFKA_TOPIC_RETENTION_MS', -1, -1),
      client: str('KAFKA_CLIENT', 'platformatic') as HubConfig['kafka']['client'],
      fetchMaxBytes: env.KAFKA_FETCH_MAX_BYTES ? int('KAFKA_FETCH_MAX_BYTES', 0, 1024) : undefined,
      fetchMaxWaitMs: int('KAFKA_FETCH_MAX_WAIT_MS', 1000, 10),
      fetchMinBytes: int('KAFKA_FETCH_MIN_BYTES', 1, 1),
      topicPollMs: int('KAFKA_TOPIC_POLL_MS', 3000, 100),
      provisioning: {
        maxRecordsPerRequest: int('KAFKA_PROVISION_MAX_RECORDS', 5000, 10),
        concurrency: int('KAFKA_PROVISION_CONCURRENCY', 2, 1),
      },
    },
    lagMonitorIntervalMs: int('LAG_MONITOR_INTERVAL_MS', 10000, 1000),
    schemaRegistry: { url: str('SCHEMA_REGISTRY_URL', 'http://127.0.0.1:8081/apis/ccompat/v7') },
    database: { url: str('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/hendelseslager') },
    directoryPath: str('HENDELSESLAGER_DIRECTORY', 'config/directory.demo.yaml'),
    pseudonymKey,
    intake: {
      maxBodyBytes: int('INTAKE_MAX_BODY_BYTES', 20 * 1024 * 1024, 1024),
      hubName: str('HENDELSESLAGER_NAME', 'Hendelseslager'),
      hubHerId: env.HENDELSESLAGER_HER_ID || undefined,
      xsd: { enabled: bool('INTAKE_XSD_VALIDATION', true), workers: int('INTAKE_XSD_WORKERS', 1, 1) },
    },
    auth: {
      issuer: str('AUTH_ISSUER', devIssuerEnabled ? 'urn:hendelseslager:dev-issuer' : ''),
      audience: str('AUTH_AUDIENCE', 'hendelseslager'),
      jwksUri: env.AUTH_JWKS_URI || undefined,
      devIssuer: { enabled: devIssuerEnabled, keyFile: str('HENDELSESLAGER_DEV_ISSUER_KEY', '.stack/dev-issuer/key.json') },
      clockToleranceSeconds: int('AUTH_CLOCK_TOLERANCE_SECONDS', 30, 0),
      maxTokenLifetimeSeconds: int('AUTH_MAX_TOKEN_LIFETIME_SECONDS', 3600, 60),
      dpop: {
        required: bool('AUTH_DPOP_REQUIRED', production),
        nonce: bool('AUTH_DPOP_NONCE', false),
        proofMaxAgeSeconds: int('AUTH_DPOP_PROOF_MAX_AGE_SECONDS', 60, 5),
      },
    },
    web: {
      publicBaseUrl,
      oidc: oidcIssuer
        ? {
            issuer: oidcIssuer,
            clientId: str('WEB_OIDC_CLIENT_ID', 'hendelseslager-web'),
            privateKeyPath: str('WEB_OIDC_PRIVATE_KEY', '.stack/idp/hendelseslager-web.private.jwk.json'),
            redirectUri: str('WEB_OIDC_REDIRECT_URI', `${publicBaseUrl}/auth/callback`),
            postLogoutRedirectUri: str('WEB_OIDC_POST_LOGOUT_REDIRECT_URI', `${publicBaseUrl}/`),
          }
        : undefined,
      sessionKey: sessionKey || 'unset-web-session-key',
      sessionMaxAgeSeconds: int('WEB_SESSION_MAX_AGE_SECONDS', 3600, 60),
      organisationsPath: str('HENDELSESLAGER_ORGANISATIONS', 'config/organisations.demo.yaml'),
    },
    log: { level: level as HubConfig['log']['level'], json: bool('LOG_JSON', true) },
    rateLimit: { perSecond: int('RATE_LIMIT_PER_CLIENT_PER_SECOND', 100, 0), burst: int('RATE_LIMIT_PER_CLIENT_BURST', 500, 1), store: rateLimitStore },
    notifier: {
      allowHttp: bool('NOTIFIER_ALLOW_HTTP', false),
      allowedHosts: str('NOTIFIER_ALLOWED_HOSTS', '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
      maxAttempts: int('NOTIFIER_MAX_ATTEMPTS', 10, 1),
      retryBaseMs: int('NOTIFIER_RETRY_BASE_MS', 1000, 10),
      pollMs: int('NOTIFIER_POLL_MS', 500, 10),
    },
  };
  if (production && config.notifier.allowHttp) problems.push('NOTIFIER_ALLOW_HTTP (not in production: notifications carry health data, https only)');
  if (!config.auth.issuer) problems.push('AUTH_ISSUER (required unless HENDELSESLAGER_DEV_ISSUER=true)');
  if (!config.auth.devIssuer.enabled && !config.auth.jwksUri) problems.push('AUTH_JWKS_URI (required unless HENDELSESLAGER_DEV_ISSUER=true)');
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(config.kafka.namespace)) problems.push(`HENDELSESLAGER_NAMESPACE=${config.kafka.namespace} (lower-case letters, digits, dashes)`);
  if (!['kafkajs', 'platformatic'].includes(config.kafka.client)) problems.push(`KAFKA_CLIENT=${config.kafka.client} (kafkajs or platformatic)`);
  if (config.kafka.provisioning.maxRecordsPerRequest > 10000) {
    problems.push(`KAFKA_PROVISION_MAX_RECORDS=${config.kafka.provisioning.maxRecordsPerRequest} (at most 10000: Kafka refuses larger CreateTopics requests)`);
  }
  if (config.kafka.fetchMaxWaitMs > 20000) problems.push(`KAFKA_FETCH_MAX_WAIT_MS=${config.kafka.fetchMaxWaitMs} (at most 20000, below the group session timeout)`);
  if (config.kafka.brokers.length === 0) problems.push('KAFKA_BROKERS (at least one broker)');
  if (!validBaseUrl(config.publicBaseUrl)) problems.push(`HENDELSESLAGER_PUBLIC_BASE_URL=${config.publicBaseUrl} (an http or https URL without query or fragment)`);
  if (production && !env.HENDELSESLAGER_PUBLIC_BASE_URL) problems.push('HENDELSESLAGER_PUBLIC_BASE_URL (required in production: DPoP proofs name it)');
  if (problems.length > 0) throw new ConfigException(problems);
  return config;
}

/** Reads a small text file named by configuration (kept here so file paths from env stay in one place). */
export function readConfigFile(path: string): string {
  return readFileSync(path, 'utf8');
}

