import { ConfigException, DEV_PSEUDONYM_KEY, loadHubConfig } from './hub-config';

describe('loadHubConfig', () => {
  const dev = { HENDELSESLAGER_DEV_ISSUER: 'true' };

  it('gives working local defaults when the dev issuer is on', () => {
    const config = loadHubConfig(dev);
    expect(config.port).toBe(3000);
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.auth.issuer).toBe('urn:hendelseslager:dev-issuer');
    expect(config.kafka.client).toBe('platformatic');
  });

  it('notifier: https to public hosts by default; http and allowed hosts configured; http refused in production', () => {
    expect(loadHubConfig(dev).notifier).toEqual({ allowHttp: false, allowedHosts: [], maxAttempts: 10, retryBaseMs: 1000, pollMs: 500 });
    expect(loadHubConfig({ ...dev, NOTIFIER_ALLOW_HTTP: 'true', NOTIFIER_ALLOWED_HOSTS: ' Journal.Kommune.local ,10.0.0.5,', NOTIFIER_MAX_ATTEMPTS: '3' }).notifier).toMatchObject({
      allowHttp: true,
      allowedHosts: ['journal.kommune.local', '10.0.0.5'],
      maxAttempts: 3,
    });
    expect(() => loadHubConfig({ ...dev, NOTIFIER_MAX_ATTEMPTS: '0' })).toThrow(/NOTIFIER_MAX_ATTEMPTS/);
    const production = { NODE_ENV: 'production', HENDELSESLAGER_PUBLIC_BASE_URL: 'https://hub.kommune.no', HENDELSESLAGER_PSEUDONYM_KEY: 'a-production-pseudonym-key', AUTH_ISSUER: 'https://helseid-sts.nhn.no', AUTH_JWKS_URI: 'https://helseid-sts.nhn.no/jwks' };
    expect(loadHubConfig(production).notifier.allowHttp).toBe(false);
    expect(() => loadHubConfig({ ...production, NOTIFIER_ALLOW_HTTP: 'true' })).toThrow(/NOTIFIER_ALLOW_HTTP/);
  });

  it('builds links from a configured public base URL, by default the local port, and refuses a malformed one', () => {
    expect(loadHubConfig({ ...dev, PORT: '4100' }).publicBaseUrl).toBe('http://127.0.0.1:4100');
    expect(loadHubConfig({ ...dev, HENDELSESLAGER_PUBLIC_BASE_URL: 'https://hub.kommune.no/hendelseslager/' }).publicBaseUrl).toBe('https://hub.kommune.no/hendelseslager');
    for (const bad of ['hub.kommune.no', 'ftp://hub', 'https://hub.kommune.no/?x=1', 'https://hub kommune']) {
      expect(() => loadHubConfig({ ...dev, HENDELSESLAGER_PUBLIC_BASE_URL: bad })).toThrow(/HENDELSESLAGER_PUBLIC_BASE_URL/);
    }
  });

  it('chooses the Kafka client, @platformatic/kafka unless told, and refuses an unknown one', () => {
    expect(loadHubConfig(dev).kafka.client).toBe('platformatic');
    expect(loadHubConfig({ ...dev, KAFKA_CLIENT: 'kafkajs' }).kafka.client).toBe('kafkajs');
    expect(loadHubConfig({ ...dev, KAFKA_CLIENT: '' }).kafka.client).toBe('platformatic');
    expect(() => loadHubConfig({ ...dev, KAFKA_CLIENT: 'rdkafka' })).toThrow(/KAFKA_CLIENT=rdkafka/);
  });

  it('replicates kommune topics as configured: min.insync.replicas defaults to min(2, RF) and may not exceed it', () => {
    expect(loadHubConfig(dev).kafka).toMatchObject({ replicationFactor: 1, minInsyncReplicas: 1 });
    expect(loadHubConfig({ ...dev, KAFKA_REPLICATION_FACTOR: '3' }).kafka).toMatchObject({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(loadHubConfig({ ...dev, KAFKA_REPLICATION_FACTOR: '5', KAFKA_MIN_INSYNC_REPLICAS: '3' }).kafka).toMatchObject({ replicationFactor: 5, minInsyncReplicas: 3 });
    expect(() => loadHubConfig({ ...dev, KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '4' })).toThrow(/KAFKA_MIN_INSYNC_REPLICAS=4/);
    expect(() => loadHubConfig({ ...dev, KAFKA_MIN_INSYNC_REPLICAS: '0' })).toThrow(/KAFKA_MIN_INSYNC_REPLICAS/);
  });

  it('passes a fetch size limit to the Kafka client only when one is set, and refuses a tiny one', () => {
    expect(loadHubConfig(dev).kafka.fetchMaxBytes).toBeUndefined();
    expect(loadHubConfig({ ...dev, KAFKA_FETCH_MAX_BYTES: '262144' }).kafka.fetchMaxBytes).toBe(262144);
    expect(() => loadHubConfig({ ...dev, KAFKA_FETCH_MAX_BYTES: '100' })).toThrow(/KAFKA_FETCH_MAX_BYTES/);
  });

  it('sizes topic provisioning and idle fetching, and refuses a CreateTopics request size Kafka would refuse', () => {
    const config = loadHubConfig(dev);
    expect(config.kafka.provisioning).toEqual({ maxRecordsPerRequest: 5000, concurrency: 2 });
    expect([config.kafka.fetchMaxWaitMs, config.kafka.fetchMinBytes, config.lagMonitorIntervalMs, config.kafka.topicPollMs]).toEqual([1000, 1, 10000, 3000]);
    expect(loadHubConfig({ ...dev, KAFKA_TOPIC_POLL_MS: '30000' }).kafka.topicPollMs).toBe(30000);
    expect(() => loadHubConfig({ ...dev, KAFKA_TOPIC_POLL_MS: '50' })).toThrow(/KAFKA_TOPIC_POLL_MS=50/);
    const tuned = loadHubConfig({ ...dev, KAFKA_PROVISION_MAX_RECORDS: '200', KAFKA_PROVISION_CONCURRENCY: '4', KAFKA_FETCH_MAX_WAIT_MS: '5000', LAG_MONITOR_INTERVAL_MS: '60000' });
    expect([tuned.kafka.provisioning.maxRecordsPerRequest, tuned.kafka.provisioning.concurrency, tuned.kafka.fetchMaxWaitMs, tuned.lagMonitorIntervalMs]).toEqual([200, 4, 5000, 60000]);
    expect(() => loadHubConfig({ ...dev, KAFKA_PROVISION_MAX_RECORDS: '10001' })).toThrow(/KAFKA_PROVISION_MAX_RECORDS=10001 \(at most 10000/);
    expect(() => loadHubConfig({ ...dev, KAFKA_PROVISION_CONCURRENCY: '0' })).toThrow(/KAFKA_PROVISION_CONCURRENCY=0/);
    expect(() => loadHubConfig({ ...dev, KAFKA_FETCH_MAX_WAIT_MS: '30000' })).toThrow(/KAFKA_FETCH_MAX_WAIT_MS=30000/);
  });

  it('validates against the XSDs with one worker unless told otherwise, and refuses a bad switch or count', () => {
    expect(loadHubConfig(dev).intake.xsd).toEqual({ enabled: true, workers: 1 });
    expect(loadHubConfig({ ...dev, INTAKE_XSD_VALIDATION: 'false', INTAKE_XSD_WORKERS: '2' }).intake.xsd).toEqual({ enabled: false, workers: 2 });
    expect(() => loadHubConfig({ ...dev, INTAKE_XSD_VALIDATION: 'maybe' })).toThrow(/INTAKE_XSD_VALIDATION=maybe/);
    expect(() => loadHubConfig({ ...dev, INTAKE_XSD_WORKERS: '0' })).toThrow(/INTAKE_XSD_WORKERS=0/);
  });

  it('lists every bad variable in one error', () => {
    let error: unknown;
    try {
      loadHubConfig({ PORT: 'abc', LOG_LEVEL: 'loud', KAFKA_TOPIC_PARTITIONS: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigException);
    const problems = (error as ConfigException).problems.join('\n');
    expect(problems).toContain('PORT=abc');
    expect(problems).toContain('LOG_LEVEL=loud');
    expect(problems).toContain('KAFKA_TOPIC_PARTITIONS=0');
    expect(problems).toContain('AUTH_JWKS_URI');
  });

  it('refuses the dev issuer and a missing pseudonym key in production', () => {
    expect(() => loadHubConfig({ ...dev, NODE_ENV: 'production' })).toThrow(/HENDELSESLAGER_DEV_ISSUER.*|PSEUDONYM/);
  });

  it('turns the web sign-in on with an issuer, deriving redirect and logout addresses from the public base URL', () => {
    expect(loadHubConfig(dev).web.oidc).toBeUndefined();
    const web = loadHubConfig({ ...dev, WEB_OIDC_ISSUER: 'http://127.0.0.1:4455', HENDELSESLAGER_PUBLIC_BASE_URL: 'https://hub.kommune.example/' }).web;
    expect(web.publicBaseUrl).toBe('https://hub.kommune.example');
    expect(web.oidc).toMatchObject({ issuer: 'http://127.0.0.1:4455', clientId: 'hendelseslager-web', redirectUri: 'https://hub.kommune.example/auth/callback', postLogoutRedirectUri: 'https://hub.kommune.example/' });
    expect(() => loadHubConfig({ ...dev, HENDELSESLAGER_PUBLIC_BASE_URL: 'https://hub.example/path?x=1' })).toThrow(/PUBLIC_BASE_URL/);
  });

  it('refuses web sign-in in production without its own session key, https, or an organisations file of its own', () => {
    const production = { NODE_ENV: 'production', HENDELSESLAGER_PSEUDONYM_KEY: 'a-production-pseudonym-key', AUTH_ISSUER: 'https://helseid-sts.nhn.no', AUTH_JWKS_URI: 'https://helseid-sts.nhn.no/.well-known/openid-configuration/jwks', WEB_OIDC_ISSUER: 'https://helseid-sts.nhn.no' };
    const ok = { ...production, HENDELSESLAGER_PUBLIC_BASE_URL: 'https://hub.kommune.example', WEB_SESSION_KEY: 'k'.repeat(32), HENDELSESLAGER_ORGANISATIONS: '/etc/hendelseslager/organisations.yaml' };
    expect(loadHubConfig(ok).web.sessionKey).toBe('k'.repeat(32));
    expect(() => loadHubConfig({ ...ok, WEB_SESSION_KEY: undefined })).toThrow(/WEB_SESSION_KEY/);
    expect(() => loadHubConfig({ ...ok, HENDELSESLAGER_PUBLIC_BASE_URL: 'http://hub.kommune.example' })).toThrow(/PUBLIC_BASE_URL must be https/);
    expect(() => loadHubConfig({ ...ok, HENDELSESLAGER_ORGANISATIONS: undefined })).toThrow(/HENDELSESLAGER_ORGANISATIONS/);
  });

  it('listens on 127.0.0.1 unless HOST is configured', () => {
    expect(loadHubConfig(dev).host).toBe('127.0.0.1');
    expect(loadHubConfig({ ...dev, HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('refuses the public default pseudonym key anywhere but development', () => {
    expect(loadHubConfig(dev).pseudonymKey).toBe(DEV_PSEUDONYM_KEY);
    expect(loadHubConfig({ ...dev, NODE_ENV: 'development' }).pseudonymKey).toBe(DEV_PSEUDONYM_KEY);
    for (const NODE_ENV of ['test', 'staging', 'production']) {
      expect(() => loadHubConfig({ ...dev, NODE_ENV })).toThrow(/HENDELSESLAGER_PSEUDONYM_KEY/);
      expect(() => loadHubConfig({ ...dev, NODE_ENV, HENDELSESLAGER_PSEUDONYM_KEY: DEV_PSEUDONYM_KEY })).toThrow(/public development key/);
    }
    expect(loadHubConfig({ ...dev, NODE_ENV: 'test', HENDELSESLAGER_PSEUDONYM_KEY: 'a-real-secret-0123456789' }).pseudonymKey).toBe('a-real-secret-0123456789');
  });

  it('bounds token lifetime and configures DPoP (required by default in production only)', () => {
    const config = loadHubConfig(dev);
    expect(config.auth.maxTokenLifetimeSeconds).toBe(3600);
    expect(config.auth.dpop).toEqual({ required: false, nonce: false, proofMaxAgeSeconds: 60 });
    expect(loadHubConfig({ ...dev, AUTH_DPOP_REQUIRED: 'true', AUTH_DPOP_NONCE: 'true' }).auth.dpop).toMatchObject({ required: true, nonce: true });
    const production = loadHubConfig({
      NODE_ENV: 'production',
      HENDELSESLAGER_PSEUDONYM_KEY: 'a-real-secret-0123456789',
      AUTH_ISSUER: 'https://helseid-sts.nhn.no',
      AUTH_JWKS_URI: 'https://helseid-sts.nhn.no/.well-known/openid-configuration/jwks',
      HENDELSESLAGER_PUBLIC_BASE_URL: 'https://hub.kommune.no/',
    });
    expect(production.auth.dpop.required).toBe(true);
    expect(production.publicBaseUrl).toBe('https://hub.kommune.no');
  });

  it('takes the public base URL from configuration and refuses one with a query', () => {
    expect(loadHubConfig(dev).publicBaseUrl).toBe('http://127.0.0.1:3000');
    expect(() => loadHubConfig({ ...dev, HENDELSESLAGER_PUBLIC_BASE_URL: 'https://hub.example/?x=1' })).toThrow(/HENDELSESLAGER_PUBLIC_BASE_URL/);
  });

  it('serves metrics on a separate listener only when METRICS_PORT is set', () => {
    expect(loadHubConfig(dev).metrics).toEqual({ port: undefined, host: '127.0.0.1' });
    expect(loadHubConfig({ ...dev, METRICS_PORT: '9464' }).metrics).toEqual({ port: 9464, host: '127.0.0.1' });
  });
});
