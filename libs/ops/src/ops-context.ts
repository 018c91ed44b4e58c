import type { DataSource } from 'typeorm';
import type { HubConfig } from '@hub/config';
import { AvroCodec, TopicNames } from '@hub/contracts';
import { KafkajsAdapter, KafkaPort, PlatformaticAdapter, ProducerPort } from '@hub/kafka';
import { createDataSource, OpsStateRepository, ProjectionStateRepository } from '@hub/persistence';

/** Progress of long work (replay, rebuild, redrive); the CLI renders it as a progress bar. */
export interface ProgressReporter {
  setTotal(total: number): void;
  tick(n?: number): void;
}

export const NO_PROGRESS: ProgressReporter = { setTotal: () => undefined, tick: () => undefined };

/**
 * The servers an operations command talks to, opened once per command and closed after it.
 * Built from the same HubConfig as the apps, so the CLI sees the same namespace and database.
 */
export class OpsContext {
  private producer_?: Promise<ProducerPort>;
  /** The operations tables (replay runs, rebuilds, redrives). */
  readonly opsState: OpsStateRepository;
  /** The read-model generations and their stored offsets. */
  readonly generations: ProjectionStateRepository;

  /**
   * The CLI's wiring root, as PlatformModule is the apps': the one place an operations command's
   * DataSource is held; the services get their repositories from here.
   */
  private constructor(readonly config: HubConfig, readonly topics: TopicNames, readonly kafka: KafkaPort, readonly codec: AvroCodec, readonly dataSource: DataSource) {
    this.opsState = new OpsStateRepository(dataSource);
    this.generations = new ProjectionStateRepository(dataSource);
  }

  /** Connects to PostgreSQL (Kafka and the registry are connected on first use). */
  static async open(config: HubConfig, options: { poolSize?: number } = {}): Promise<OpsContext> {
    const client = { brokers: config.kafka.brokers, clientId: `${config.kafka.clientId}-ops`, fetchMaxBytes: config.kafka.fetchMaxBytes };
    // The same Kafka client as the apps (KAFKA_CLIENT).
    const kafka = config.kafka.client === 'platformatic' ? new PlatformaticAdapter(client) : new KafkajsAdapter(client);
    const dataSource = createDataSource(config.database.url, { poolSize: options.poolSize ?? 4, applicationName: 'hendelseslager-ops' });
    await dataSource.initialize();
    // The topic and consumer group names of the configured namespace, as PlatformModule provides them to the apps.
    const topics = new TopicNames(config.kafka.namespace);
    return new OpsContext(config, topics, kafka, new AvroCodec(config.schemaRegistry.url, topics), dataSource);
  }

  /** One idempotent acks=all producer for the command. */
  producer(): Promise<ProducerPort> {
    if (!this.producer_) this.producer_ = this.kafka.producer();
    return this.producer_;
  }

  async close(): Promise<void> {
    const producer = await this.producer_?.catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
