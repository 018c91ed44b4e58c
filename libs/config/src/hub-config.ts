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
  /**
   * Where clients reach the hub (scheme, host, port, path prefix; no trailing slash). Links in
   * answers (FHIR Bundle links, CapabilityStatement) are built from it, never from the request's
   * Host header, which the client chooses. Unset: http://127.0.0.1:<PORT>.
   */
  publicBaseUrl: string;
  kafka: {
    brokers: string[];
    clientId: string;
    /** Prefix of every topic and consumer group (separates test runs from demo data). */
    namespace: string;
    /** Partitions for newly provisioned kommune topics. */
    partitions: number;
    replicationFactor: number;
    /**
     * retention.ms of newly provisioned kommune topics; -1 (the default) keeps records forever,
     * since raw and event topics are the health record's source of truth for many years.
     */
    retentionMs: number;
    /** Kafka client behind the port: kafkajs (default) or @platformatic/kafka (see bench/README.md). */
    client: 'kafkajs' | 'platformatic';
    /** KAFKA_FETCH_MAX_BYTES: the most bytes one consumer fetch returns; unset, the Kafka port's default (libs/kafka). */
    fetchMaxBytes?: number;
  };
  schemaRegistry: { url: string };
  database: { url: string };
  directoryPath: string;
  /** Key for the patient pseudonym HMAC; must be kept secret and stable for the life of the data. */
  pseudonymKey: string;
  intake: { maxBodyBytes: number; hubName: string; hubHerId?: string };
  auth: {
    issuer: string;
    audience: string;
    jwksUri?: string;
    /** Development issuer: tokens signed by a local key, never enabled unless configured. */
    devIssuer: { enabled: boolean; keyFile: string };
    clockToleranceSeconds: number;
  };
  log: { level: 'debug' | 'info' | 'warn' | 'error'; json: boolean };
  /** Per-client request rate limit of authenticated routes (token bucket per client_id; 0 = off). */
  rateLimit: { perSecond: number; burst: number };
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

/** Parses and validates the environment; throws ConfigException listing every bad variable. */
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
  const pseudonymKey = str('HENDELSESLAGER_PSEUDONYM_KEY', production ? '' : 'dev-only-pseudonym-key-change-me');
  if (pseudonymKey.length < 16) problems.push('HENDELSESLAGER_PSEUDONYM_KEY (required, at least 16 characters)');
  const level = str('LOG_LEVEL', 'info');
  if (!['debug', 'info', 'warn', 'error'].includes(level)) problems.push(`LOG_LEVEL=${level}`);
  const devIssuerEnabled = bool('HENDELSESLAGER_DEV_ISSUER', false);
  if (devIssuerEnabled && production) problems.push('HENDELSESLAGER_DEV_ISSUER must not be enabled when NODE_ENV=production');

  const port = int('PORT', 3000, 1);
  const publicBaseUrl = str('HENDELSESLAGER_PUBLIC_BASE_URL', `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(publicBaseUrl)) problems.push('HENDELSESLAGER_PUBLIC_BASE_URL (an http or https URL without query or fragment)');

  const config: HubConfig = {
    port,
    publicBaseUrl,
    kafka: {
      brokers: str('KAFKA_BROKERS', '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean),
      clientId: str('KAFKA_CLIENT_ID', 'hendelseslager'),
      namespace: str('HENDELSESLAGER_NAMESPACE', 'hendelseslager'),
      partitions: int('KAFKA_TOPIC_PARTITIONS', 3, 1),
      replicationFactor: int('KAFKA_REPLICATION_FACTOR', 1, 1),
      retentionMs: int('KAFKA_TOPIC_RETENTION_MS', -1, -1),
      client: str('KAFKA_CLIENT', 'kafkajs') as HubConfig['kafka']['client'],
      fetchMaxBytes: env.KAFKA_FETCH_MAX_BYTES ? int('KAFKA_FETCH_MAX_BYTES', 0, 1024) : undefined,
    },
    schemaRegistry: { url: str('SCHEMA_REGISTRY_URL', 'http://127.0.0.1:8081/apis/ccompat/v7') },
    database: { url: str('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/hendelseslager') },
    directoryPath: str('HENDELSESLAGER_DIRECTORY', 'config/directory.demo.yaml'),
    pseudonymKey,
    intake: {
      maxBodyBytes: int('INTAKE_MAX_BODY_BYTES', 20 * 1024 * 1024, 1024),
      hubName: str('HENDELSESLAGER_NAME', 'Hendelseslager'),
      hubHerId: env.HENDELSESLAGER_HER_ID || undefined,
    },
    auth: {
      issuer: str('AUTH_ISSUER', devIssuerEnabled ? 'urn:hendelseslager:dev-issuer' : ''),
      audience: str('AUTH_AUDIENCE', 'hendelseslager'),
      jwksUri: env.AUTH_JWKS_URI || undefined,
      devIssuer: { enabled: devIssuerEnabled, keyFile: str('HENDELSESLAGER_DEV_ISSUER_KEY', '.stack/dev-issuer/key.json') },
      clockToleranceSeconds: int('AUTH_CLOCK_TOLERANCE_SECONDS', 30, 0),
    },
    log: { level: level as HubConfig['log']['level'], json: bool('LOG_JSON', true) },
    rateLimit: { perSecond: int('RATE_LIMIT_PER_CLIENT_PER_SECOND', 100, 0), burst: int('RATE_LIMIT_PER_CLIENT_BURST', 500, 1) },
  };
  if (!config.auth.issuer) problems.push('AUTH_ISSUER (required unless HENDELSESLAGER_DEV_ISSUER=true)');
  if (!config.auth.devIssuer.enabled && !config.auth.jwksUri) problems.push('AUTH_JWKS_URI (required unless HENDELSESLAGER_DEV_ISSUER=true)');
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(config.kafka.namespace)) problems.push(`HENDELSESLAGER_NAMESPACE=${config.kafka.namespace} (lower-case letters, digits, dashes)`);
  if (!['kafkajs', 'platformatic'].includes(config.kafka.client)) problems.push(`KAFKA_CLIENT=${config.kafka.client} (kafkajs or platformatic)`);
  if (config.kafka.brokers.length === 0) problems.push('KAFKA_BROKERS (at least one broker)');
  if (problems.length > 0) throw new ConfigException(problems);
  return config;
}

/** Reads a small text file named by configuration (kept here so file paths from env stay in one place). */
export function readConfigFile(path: string): string {
  return readFileSync(path, 'utf8');
}
