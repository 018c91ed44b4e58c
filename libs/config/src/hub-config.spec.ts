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

  it('sizes topic provisioning and idle fetching, and refuses a CreateTopics request size Kafka would refuse', () => {
    const config = loadHubConfig(dev);
    expect(config.kafka.provisioning).toEqual({ maxRecordsPerRequest: 5000, concurrency: 2 });
    expect([config.kafka.fetchMaxWaitMs, config.kafka.fetchMinBytes, config.lagMonitorIntervalMs]).toEqual([1000, 1, 10000]);
    const tuned = loadHubConfig({ ...dev, KAFKA_PROVISION_MAX_RECORDS: '200', KAFKA_PROVISION_CONCURRENCY: '4', KAFKA_FETCH_MAX_WAIT_MS: '5000', LAG_MONITOR_INTERVAL_MS: '60000' });
    expect([tuned.kafka.provisioning.maxRecordsPerRequest, tuned.kafka.provisioning.concurrency, tuned.kafka.fetchMaxWaitMs, tuned.lagMonitorIntervalMs]).toEqual([200, 4, 5000, 60000]);
    expect(() => loadHubConfig({ ...dev, KAFKA_PROVISION_MAX_RECORDS: '10001' })).toThrow(/KAFKA_PROVISION_MAX_RECORDS=10001 \(at most 10000/);
    expect(() => loadHubConfig({ ...dev, KAFKA_PROVISION_CONCURRENCY: '0' })).toThrow(/KAFKA_PROVISION_CONCURRENCY=0/);
    expect(() => loadHubConfig({ ...dev, KAFKA_FETCH_MAX_WAIT_MS: '30000' })).toThrow(/KAFKA_FETCH_MAX_WAIT_MS=30000/);
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
