import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { HubConfig } from '@hub/config';
import { kommuneTopicSpecs, TopicNames } from '@hub/contracts';
import { KommuneDirectory } from '@hub/directory';
import { AdminPort, batchTopicGroups, KafkaPort, KafkaUnavailableException, TopicSpec } from '@hub/kafka';
import { HubLogger } from '@hub/observability';
import { SharedTopicList } from './pattern-consumer.runner';
import { PeriodicJob } from './periodic-job';
import { HUB_CONFIG, KAFKA_PORT } from './platform.tokens';
import { ProvisioningStatus } from './provisioning-status';

/**
 * Makes sure every kommune in the directory has its topics, at start and whenever the directory
 * gains a kommune, so onboarding needs no restart.
 *
 * Many kommuner at once (a shared installation: 357) do not fit one CreateTopics request: a
 * KRaft controller refuses a request of more than 10,000 metadata records whole. So the missing
 * kommuner are created in requests of at most KAFKA_PROVISION_MAX_RECORDS records (a kommune's
 * topics always in the same request), KAFKA_PROVISION_CONCURRENCY of them at a time. A request
 * that fails leaves only its own kommuner unprovisioned: they are listed by readiness and tried
 * again on the next round (every 3 s), while the others are done.
 */
@Injectable()
export class TopicProvisioner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new HubLogger(TopicProvisioner.name);
  private readonly job = new PeriodicJob(() => this.doProvision());

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(KAFKA_PORT) private readonly kafka: KafkaPort,
    private readonly directory: KommuneDirectory,
    private readonly status: ProvisioningStatus,
    private readonly topics: TopicNames,
  ) {
    status.track();
  }

  onApplicationBootstrap(): void {
    this.job.start(3000, 0);
  }

  /** Resolves once the given kommuner's topics exist (provisioning them first if needed). */
  async ensure(kommuner: string[]): Promise<void> {
    if (kommuner.every((k) => this.status.has(k))) return;
    await this.provisionNew();
    const missing = kommuner.filter((k) => !this.status.has(k));
    if (missing.length > 0) throw new KafkaUnavailableException(`Topics for kommune ${missing.join(', ')} could not be provisioned`);
  }

  /** Ensures topics for kommuner not yet provisioned by this process; safe to call concurrently. */
  provisionNew(): Promise<void> {
    return this.job.run();
  }

  private async doProvision(): Promise<void> {
    const missing = this.directory.list().filter((k) => !this.status.has(k.kommunenummer));
    if (missing.length === 0) {
      this.status.unprovisioned();
      return;
    }
    const started = Date.now();
    const { maxRecordsPerRequest, concurrency } = this.config.kafka.provisioning;
    const requests = batchTopicGroups(
      missing.map((k) => ({ kommunenummer: k.kommunenummer, specs: kommuneTopicSpecs(this.topics, k.kommunenummer, this.config, k.partitions ?? this.config.kafka.partitions) })),
      maxRecordsPerRequest,
    );
    // One admin client per lane, each with one request in flight: kafkajs does not document its
    // admin's createTopics (and its wait for the new topics' leaders) as safe to overlap.
    const lanes = Math.max(1, Math.min(concurrency, requests.length));
    const admins = await Promise.all(Array.from({ length: lanes }, () => this.kafka.admin().catch((error: unknown) => error)));
    const failed: string[] = [];
    let firstError: unknown = admins.find((a) => !isAdmin(a));
    try {
      const usable = admins.filter(isAdmin);
      if (usable.length > 0) {
        await forEachConcurrently(requests, usable.length, async (request, lane) => {
          const kommuner = request.map((g) => g.kommunenummer);
          try {
            await usable[lane].ensureTopics(request.flatMap((g): TopicSpec[] => g.specs));
            this.status.markProvisioned(kommuner);
          } catch (error) {
            failed.push(...kommuner);
            firstError ??= error;
          }
        });
      } else {
        failed.push(...missing.map((k) => k.kommunenummer));
      }
    } finally {
      await Promise.all(admins.filter(isAdmin).map((a) => a.disconnect().catch(() => undefined)));
    }
    const done = missing.length - failed.length;
    if (done > 0) {
      this.log.info('Kommune topics ready', { kommuner: done, requests: requests.length, ms: Date.now() - started });
      // This process's consumers take the new topics now, not at their next topic poll.
      SharedTopicList.of(this.kafka).changed();
    }
    if (failed.length > 0) {
      this.log.warn('Could not provision kommune topics; will retry', { unprovisioned: failed.length, kommuner: failed.slice(0, 20), error: messageOf(firstError) });
    }
    this.status.unprovisioned();
  }

  /** Waits for a provisioning in flight (see PeriodicJob). */
  async onApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }
}

/**
 * Runs `fn` over the items in order with at most `limit` calls in flight, each call told its lane
 * (0 .. limit-1; a lane runs one call at a time); resolves when all have settled.
 */
export async function forEachConcurrently<T>(items: T[], limit: number, fn: (item: T, lane: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (index: number): Promise<void> => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, (_, i) => lane(i)));
}

function isAdmin(value: unknown): value is AdminPort {
  return typeof value === 'object' && value !== null && 'ensureTopics' in value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
