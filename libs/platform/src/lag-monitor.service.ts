import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { TopicNames } from '@hub/contracts';
import type { HubConfig } from '@hub/config';
import { offsetsByTopic, type AdminPort, type KafkaPort } from '@hub/kafka';
import { HubMetrics } from '@hub/observability';
import { runningConsumerGroups } from './pattern-consumer.runner';
import { projectionHalts } from './projection-halts';
import { PeriodicJob } from './periodic-job';
import { HUB_CONFIG, KAFKA_PORT } from './platform.tokens';

/**
 * Keeps the lag and dead-letter gauges current: every interval, for each consumer group running
 * in this process, records behind the end of each topic (end offsets minus the group's
 * committed offsets), and each kommune's dead-letter topic size. Only ids and counts, never
 * record contents. Failures are ignored: the next round tries again and readiness reports Kafka.
 */
@Injectable()
export class LagMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly job = new PeriodicJob(() => this.measure().catch(() => undefined));
  private admin?: Promise<AdminPort>;

  constructor(
    @Inject(KAFKA_PORT) private readonly kafka: KafkaPort,
    private readonly metrics: HubMetrics,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'lagMonitorIntervalMs'>,
    private readonly topics: TopicNames,
  ) {
    this.metrics.haltedProjections = () => projectionHalts.list();
  }

  onApplicationBootstrap(): void {
    for (const [group, entry] of runningConsumerGroups) entry.observeBatch ??= (s) => this.metrics.batchDuration.observe({ group }, s);
    // Every LAG_MONITOR_INTERVAL_MS (10 s), and a first measurement soon after start, once the consumers have joined their groups.
    this.job.start(this.config.lagMonitorIntervalMs, 3000);
  }

  /** One round of measurements (also called by tests). */
  refresh(): Promise<void> {
    return this.job.run();
  }

  private async measure(): Promise<void> {
    const admin = await this.adminClient();
    try {
      const pattern = this.topics.pattern('deadletter');
      const deadLetterTopics = (await admin.listTopics()).filter((t) => pattern.test(t));
      // Every topic's end offsets in one round (one request per leader), however many groups
      // consume it and however many kommuner there are: asked topic by topic, kafkajs' admin
      // cost O(topics²) per lookup, most of an idle hub's CPU with every kommune (#15).
      const measured = [...new Set([...[...runningConsumerGroups.values()].flatMap((e) => e.topics), ...deadLetterTopics])];
      const ends = offsetsByTopic(await admin.endOffsetsOf(measured));
      for (const [group, entry] of runningConsumerGroups) {
        entry.observeBatch ??= (s) => this.metrics.batchDuration.observe({ group }, s);
        // Each group's committed offsets in one request for all its topics.
        const committed = new Map<string, string>();
        for (const c of await admin.groupOffsets(group, entry.topics)) committed.set(`${c.topic}|${c.partition}`, c.offset);
        for (const topic of entry.topics) {
          const lag = (ends.get(topic) ?? []).reduce((n, e) => {
            const c = BigInt(committed.get(`${topic}|${e.partition}`) ?? '-1');
            return n + Math.max(0, Number(BigInt(e.offset) - (c < 0n ? 0n : c)));
          }, 0);
          this.metrics.consumerLag.set({ group, topic }, lag);
        }
      }
      for (const topic of deadLetterTopics) {
        const size = (ends.get(topic) ?? []).reduce((n, o) => n + Number(o.offset), 0);
        this.metrics.deadLetterTopicRecords.set({ kommune: this.topics.parse(topic)!.kommunenummer }, size);
      }
    } catch (error) {
      // A fresh client next round: kafkajs admin clients do not recover by themselves.
      this.admin = undefined;
      await admin.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /**
   * One admin client for every round, not one per round: kafkajs asks the broker for the
   * metadata of all topics a client has used each time it meets a new one, so a new client per
   * round asked for 1 + 2 + ... + n topics' metadata every round: with hundreds of kommuner
   * that quadratic cost was most of an idle hub's CPU and its broker's (#15, bench/RESULTS.md).
   */
  private adminClient(): Promise<AdminPort> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin;
      admin.catch(() => {
        if (this.admin === admin) this.admin = undefined;
      });
    }
    return this.admin;
  }

  /** Waits for a measurement in flight (see PeriodicJob). */
  async onApplicationShutdown(): Promise<void> {
    await this.job.stop();
    const admin = await this.admin?.catch(() => undefined);
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }
}
