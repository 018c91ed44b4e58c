import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { HubConfig } from '@hub/config';
import { kommuneTopicSpecs } from '@hub/contracts';
import { KommuneDirectory } from '@hub/directory';
import { KafkaPort, KafkaUnavailableException } from '@hub/kafka';
import { HubLogger } from '@hub/observability';
import { PeriodicJob } from './periodic-job';
import { HUB_CONFIG, KAFKA_PORT } from './platform.tokens';

/**
 * Makes sure every kommune in the directory has its topics, at start and whenever the directory
 * gains a kommune, so onboarding needs no restart.
 */
@Injectable()
export class TopicProvisioner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new HubLogger(TopicProvisioner.name);
  private readonly provisioned = new Set<string>();
  private readonly job = new PeriodicJob(() => this.doProvision());

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(KAFKA_PORT) private readonly kafka: KafkaPort,
    private readonly directory: KommuneDirectory,
  ) {}

  onApplicationBootstrap(): void {
    this.job.start(3000, 0);
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
    return this.job.run();
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

  /** Waits for a provisioning in flight (see PeriodicJob). */
  async onApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }
}
