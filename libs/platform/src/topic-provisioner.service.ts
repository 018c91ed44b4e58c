import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { HubConfig } from '@hub/config';
import { kommuneTopicSpecs } from '@hub/contracts';
import { KommuneDirectory } from '@hub/directory';
import { KafkaPort, KafkaUnavailableException } from '@hub/kafka';
import { HubLogger } from '@hub/observability';
import { HUB_CONFIG, KAFKA_PORT } from './platform.tokens';

/**
 * Makes sure every kommune in the directory has its topics, at start and whenever the directory
 * gains a kommune, so onboarding needs no restart.
 */
@Injectable()
export class TopicProvisioner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new HubLogger(TopicProvisioner.name);
  private readonly provisioned = new Set<string>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(KAFKA_PORT) private readonly kafka: KafkaPort,
    private readonly directory: KommuneDirectory,
  ) {}

  onApplicationBootstrap(): void {
    void this.provisionNew();
    this.timer = setInterval(() => void this.provisionNew(), 3000);
    this.timer.unref();
  }

  /** Resolves once the given kommuner's topics exist (provisioning them first if needed). */
  async ensure(kommuner: string[]): Promise<void> {
    if (kommuner.every((k) => this.provisioned.has(k))) return;
    await this.provisionNew();
    const missing = kommuner.filter((k) => !this.provisioned.has(k));
    if (missing.length > 0) throw new KafkaUnavailableException(`Topics for kommune ${missing.join(', ')} could not be provisioned`);
  }

  /** Ensures topics for kommuner not yet provisioned by this process; safe to call concurrently. */
  provisionNew(): Promise<void> {
    if (!this.running) this.running = this.doProvision().finally(() => (this.running = undefined));
    return this.running;
  }

  private async doProvision(): Promise<void> {
    const missing = this.directory.list().filter((k) => !this.provisioned.has(k.kommunenummer));
    if (missing.length === 0) return;
    try {
      const admin = await this.kafka.admin();
      try {
        await admin.ensureTopics(missing.flatMap((k) => kommuneTopicSpecs(k.kommunenummer, this.config)));
      } finally {
        await admin.disconnect();
      }
      missing.forEach((k) => this.provisioned.add(k.kommunenummer));
      this.log.info('Kommune topics ready', { kommuner: missing.map((k) => k.kommunenummer) });
    } catch (error) {
      this.log.warn('Could not provision kommune topics; will retry', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  /**
   * Waits for a provisioning in flight: kafkajs keeps polling for the new topics' leaders after
   * its admin is told to disconnect, so a process that stopped without waiting left that loop
   * running past the end of its own shutdown.
   */
  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
