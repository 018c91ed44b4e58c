import { ConfigException, loadHubConfig } from './hub-config';

describe('loadHubConfig', () => {
  const dev = { HENDELSESLAGER_DEV_ISSUER: 'true' };

  it('gives working local defaults when the dev issuer is on', () => {
    const config = loadHubConfig(dev);
    expect(config.port).toBe(3000);
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.auth.issuer).toBe('urn:hendelseslager:dev-issuer');
    expect(config.kafka.client).toBe('kafkajs');
  });

  it('chooses the Kafka client and refuses an unknown one', () => {
    expect(loadHubConfig({ ...dev, KAFKA_CLIENT: 'platformatic' }).kafka.client).toBe('platformatic');
    expect(() => loadHubConfig({ ...dev, KAFKA_CLIENT: 'rdkafka' })).toThrow(/KAFKA_CLIENT=rdkafka/);
  });

  it('passes a fetch size limit to the Kafka client only when one is set, and refuses a tiny one', () => {
    expect(loadHubConfig(dev).kafka.fetchMaxBytes).toBeUndefined();
    expect(loadHubConfig({ ...dev, KAFKA_FETCH_MAX_BYTES: '262144' }).kafka.fetchMaxBytes).toBe(262144);
    expect(() => loadHubConfig({ ...dev, KAFKA_FETCH_MAX_BYTES: '100' })).toThrow(/KAFKA_FETCH_MAX_BYTES/);
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
    const web = loadHubConfig({ ...dev, WEB_OIDC_ISSUER: 'http://127.0.0.1:4455', PUBLIC_BASE_URL: 'https://hub.kommune.example/' }).web;
    expect(web.publicBaseUrl).toBe('https://hub.kommune.example');
    expect(web.oidc).toMatchObject({ issuer: 'http://127.0.0.1:4455', clientId: 'hendelseslager-web', redirectUri: 'https://hub.kommune.example/auth/callback', postLogoutRedirectUri: 'https://hub.kommune.example/' });
    expect(() => loadHubConfig({ ...dev, PUBLIC_BASE_URL: 'https://hub.example/path' })).toThrow(/PUBLIC_BASE_URL/);
  });

  it('refuses web sign-in in production without its own session key, https, or an organisations file of its own', () => {
    const production = { NODE_ENV: 'production', HENDELSESLAGER_PSEUDONYM_KEY: 'a-production-pseudonym-key', AUTH_ISSUER: 'https://helseid-sts.nhn.no', AUTH_JWKS_URI: 'https://helseid-sts.nhn.no/.well-known/openid-configuration/jwks', WEB_OIDC_ISSUER: 'https://helseid-sts.nhn.no' };
    const ok = { ...production, PUBLIC_BASE_URL: 'https://hub.kommune.example', WEB_SESSION_KEY: 'k'.repeat(32), HENDELSESLAGER_ORGANISATIONS: '/etc/hendelseslager/organisations.yaml' };
    expect(loadHubConfig(ok).web.sessionKey).toBe('k'.repeat(32));
    expect(() => loadHubConfig({ ...ok, WEB_SESSION_KEY: undefined })).toThrow(/WEB_SESSION_KEY/);
    expect(() => loadHubConfig({ ...ok, PUBLIC_BASE_URL: 'http://hub.kommune.example' })).toThrow(/PUBLIC_BASE_URL must be https/);
    expect(() => loadHubConfig({ ...ok, HENDELSESLAGER_ORGANISATIONS: undefined })).toThrow(/HENDELSESLAGER_ORGANISATIONS/);
  });
});
