import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { loadHubConfig, HubConfig } from '@hub/config';
import { AvroCodec, TopicNames } from '@hub/contracts';
import { KommuneDirectory } from '@hub/directory';
import { KafkajsAdapter, KafkaPort, PlatformaticAdapter } from '@hub/kafka';
import { HubLogger, HubMetrics } from '@hub/observability';
import { AuditLogRepository, createDataSource, DpopReplayRepository, FhirSubscriptionRepository, IntakeReceiptRepository, ProjectionStateRepository, RateLimitBucketRepository, RawArchiveRepository, ReadModelQueryRepository, WebSessionRepository } from '@hub/persistence';
import { HealthController } from './health.controller';
import { BOOT_APP_NAME, BOOT_CONFIG, HUB_CONFIG, KAFKA_PORT } from './platform.tokens';
import { ReadinessService } from './readiness.service';
import { ProvisioningStatus } from './provisioning-status';
import { SharedProducer } from './shared-producer.service';
import { AuthGuard } from './auth.guard';
import { ClientRateLimiter } from './client-rate-limiter.service';
import { DatabaseLifecycle } from './database-lifecycle.service';
import { DeadLetterWriter } from './dead-letter-writer.service';
import { AuditWriter } from './audit-writer.service';
import { LagMonitor } from './lag-monitor.service';
import { SharedTopicList } from './pattern-consumer.runner';
import { HttpDrain } from './http-drain.service';
import { TokenVerifierProvider } from './token-verifier.provider';
import { RequestAuthenticator } from './request-authenticator.service';
import { AccessRefusalAudit } from './access-refusal-audit.service';
import { MetricsListener } from './metrics-listener.service';

const kafkaLog = new HubLogger('Kafka');

/** The repositories features get injected (constructed with the process's DataSource). */
const REPOSITORIES = [IntakeReceiptRepository, ProjectionStateRepository, ReadModelQueryRepository, AuditLogRepository, RawArchiveRepository, WebSessionRepository, RateLimitBucketRepository, FhirSubscriptionRepository, DpopReplayRepository];

/**
 * Everything every app needs: configuration, Kafka, the schema registry codec, PostgreSQL,
 * the kommune directory, metrics, health and authentication. Global, imported once per process.
 */
@Global()
@Module({
  controllers: [HealthController],
  providers: [
    {
      provide: HUB_CONFIG,
      // Parsed once per process: bootstrapHttpApp parsed it already (for logging and the port)
      // and provides it as BOOT_CONFIG; an app module created another way (tests) parses it here.
      inject: [{ token: BOOT_CONFIG, optional: true }],
      useFactory: (boot: HubConfig | undefined): HubConfig => boot ?? loadHubConfig(),
    },
    {
      provide: KAFKA_PORT,
      inject: [HUB_CONFIG],
      useFactory: (config: HubConfig): KafkaPort => {
        const options = {
          brokers: config.kafka.brokers,
          clientId: config.kafka.clientId,
          fetchMaxBytes: config.kafka.fetchMaxBytes,
          fetchMaxWaitMs: config.kafka.fetchMaxWaitMs,
          fetchMinBytes: config.kafka.fetchMinBytes,
          logger: (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: Record<string, unknown>) =>
            kafkaLog[level === 'debug' ? 'debug' : level](message, extra),
        };
        const port = config.kafka.client === 'platformatic' ? new PlatformaticAdapter(options) : new KafkajsAdapter(options);
        // Which client this process runs (KAFKA_CLIENT, or the app's own default): apps differ (read-api).
        kafkaLog.info('Kafka client', { client: config.kafka.client });
        SharedTopicList.of(port).pollMs = config.kafka.topicPollMs;
        return port;
      },
    },
    // The process's topic and consumer group names, under the configured namespace (HENDELSESLAGER_NAMESPACE).
    { provide: TopicNames, inject: [HUB_CONFIG], useFactory: (config: HubConfig) => new TopicNames(config.kafka.namespace) },
    { provide: AvroCodec, inject: [HUB_CONFIG, TopicNames], useFactory: (config: HubConfig, topics: TopicNames) => new AvroCodec(config.schemaRegistry.url, topics) },
    {
      provide: DataSource,
      inject: [HUB_CONFIG, { token: BOOT_APP_NAME, optional: true }],
      useFactory: async (config: HubConfig, appName?: string) => {
        // Named per app (hendelseslager-intake, -projector, ...): pg_stat_activity and the server's
        // logs then say which app holds a connection and sends its statements.
        const dataSource = createDataSource(config.database.url, { poolSize: 20, applicationName: appName ? `hendelseslager-${appName}` : undefined });
        // Start even when PostgreSQL is down; readiness reports it and requests answer 503.
        await dataSource.initialize().catch(() => undefined);
        return dataSource;
      },
    },
    // Repositories stay Nest-free (libs/persistence); the process's one pool is handed to them here,
    // and each connects lazily before its statements, so services never hold the DataSource.
    ...REPOSITORIES.map((repository) => ({ provide: repository, inject: [DataSource], useFactory: (dataSource: DataSource) => new repository(dataSource) })),
    { provide: KommuneDirectory, inject: [HUB_CONFIG], useFactory: (config: HubConfig) => new KommuneDirectory(config.directoryPath) },
    { provide: HubMetrics, useValue: new HubMetrics() },
    TokenVerifierProvider,
    RequestAuthenticator,
    AccessRefusalAudit,
    MetricsListener,
    ClientRateLimiter,
    AuthGuard,
    SharedProducer,
    ProvisioningStatus,
    ReadinessService,
    DatabaseLifecycle,
    LagMonitor,
    HttpDrain,
    DeadLetterWriter,
    AuditWriter,
  ],
  exports: [...REPOSITORIES, DeadLetterWriter, AuditWriter, HUB_CONFIG, KAFKA_PORT, TopicNames, AvroCodec, DataSource, KommuneDirectory, HubMetrics, TokenVerifierProvider, RequestAuthenticator, AccessRefusalAudit, ClientRateLimiter, AuthGuard, SharedProducer, ProvisioningStatus, ReadinessService, LagMonitor],
})
export class PlatformModule {}
