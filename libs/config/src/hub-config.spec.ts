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

  it('builds links from a configured public base URL, by default the local port, and refuses a malformed one', () => {
    expect(loadHubConfig({ ...dev, PORT: '4100' }).publicBaseUrl).toBe('http://127.0.0.1:4100');
    expect(loadHubConfig({ ...dev, HENDELSESLAGER_PUBLIC_BASE_URL: 'https://hub.kommune.no/hendelseslager/' }).publicBaseUrl).toBe('https://hub.kommune.no/hendelseslager');
    for (const bad of ['hub.kommune.no', 'ftp://hub', 'https://hub.kommune.no/?x=1', 'https://hub kommune']) {
      expect(() => loadHubConfig({ ...dev, HENDELSESLAGER_PUBLIC_BASE_URL: bad })).toThrow(/HENDELSESLAGER_PUBLIC_BASE_URL/);
    }
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
});
