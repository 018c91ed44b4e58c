import { parseDirectory } from '@hub/directory';
import { readConfigFile } from '@hub/config';
import { offsetsByTopic, storedOffsetOf, type TopicPartitionOffset } from '@hub/kafka';
import { READ_MODEL_PROJECTION } from '@hub/persistence';
import type { OpsContext } from './ops-context';
import { haltedProjections, type HaltedProjection } from './recovery.service';

export interface GroupLag {
  group: string;
  topic: string;
  /** Records between the group's position and the end of the topic (summed over partitions). */
  lag: number;
  end: number;
}

export interface KommuneStatus {
  kommunenummer: string;
  navn: string | null;
  inDirectory: boolean;
  topicsProvisioned: boolean;
  rawRecords: number;
  eventRecords: number;
  deadLetters: number;
  deadLettersRedriven: number;
  lag: GroupLag[];
  lastEventRecordedAt: string | null;
  projectedMessages: number;
  /**
   * Projections that stopped consuming this kommune: their stored offsets do not fit its topics
   * (replaced, or offsets past the log end). Empty when all is well.
   */
  halted: HaltedProjection[];
}

export interface HubStatus {
  namespace: string;
  projection: {
    name: string;
    activeSchema: string;
    switchedAt: string;
    generations: string[];
    rebuild: { targetSchema: string; kommuner: string[] | 'all'; startedAt: string } | null;
  };
  kommuner: KommuneStatus[];
}

/**
 * Per kommune and consumer group: lag (group or stored offsets vs end offsets), last event
 * time, dead-letter count and the read-model generation. The projector's lag is measured from
 * the offsets stored with the live generation (its source of truth), the normalizer's from its
 * Kafka consumer group.
 */
export class StatusService {
  constructor(private readonly ctx: OpsContext) {}

  async status(kommunenummer?: string): Promise<HubStatus> {
    const { opsState: ops, generations } = this.ctx;
    const generation = await generations.generation(READ_MODEL_PROJECTION);
    if (!generation) throw new Error('No read-model generation; run `hendelseslager migrate`');
    const schema = generation.activeSchema;
    const directory = parseDirectory(readConfigFile(this.ctx.config.directoryPath));
    const admin = await this.ctx.kafka.admin();
    try {
      const topics = new Set(await admin.listTopics());
      const fromTopics = [...topics].map((t) => /\.kommune\.(\d{4})\.raw\.v1$/.exec(t)?.[1]).filter((k): k is string => Boolean(k) && topics.has(this.ctx.topics.raw(k!)));
      let knrs = [...new Set([...directory.map((d) => d.kommunenummer), ...fromTopics])].sort();
      if (kommunenummer) knrs = knrs.filter((k) => k === kommunenummer);
      const stored = await generations.allOffsets(schema);
      const lastTimes = await ops.lastEventTimes(schema);
      const counts = await ops.versionCounts(schema);
      const provisioned = knrs.filter((knr) => this.ctx.topics.all(knr).every((t) => topics.has(t)));
      // Every provisioned kommune's topics in one round each (end offsets, the normalizer's
      // committed offsets, the halted check), not one lookup per topic: the whole country is 357.
      const names = this.ctx.topics;
      const raw = (k: string) => names.raw(k);
      const events = (k: string) => names.events(k);
      const deadletter = (k: string) => names.deadletter(k);
      const normalizerGroup = names.normalizerGroup();
      const ends = offsetsByTopic(provisioned.length ? await admin.endOffsetsOf(provisioned.flatMap((k) => [raw(k), events(k), deadletter(k)])) : []);
      const committed = offsetsByTopic(provisioned.length ? await admin.groupOffsets(normalizerGroup, provisioned.map(raw)) : []);
      const halted = await haltedProjections(this.ctx, admin, provisioned);
      const projectorGroup = `${names.projectorGroup(READ_MODEL_PROJECTION)} (${schema})`;
      const redriven = await ops.redrivenCounts();
      const kommuner: KommuneStatus[] = knrs.map((knr) => {
        const entry = directory.find((d) => d.kommunenummer === knr);
        const status: KommuneStatus = {
          kommunenummer: knr,
          navn: entry?.navn ?? null,
          inDirectory: Boolean(entry),
          topicsProvisioned: provisioned.includes(knr),
          rawRecords: 0,
          eventRecords: 0,
          deadLetters: 0,
          deadLettersRedriven: redriven.get(knr) ?? 0,
          lag: [],
          lastEventRecordedAt: lastTimes.get(knr)?.toISOString() ?? null,
          projectedMessages: counts.get(knr) ?? 0,
          halted: halted.get(knr) ?? [],
        };
        if (status.topicsProvisioned) {
          const rawEnd = ends.get(raw(knr)) ?? [];
          const eventsEnd = ends.get(events(knr)) ?? [];
          status.rawRecords = sum(rawEnd);
          status.eventRecords = sum(eventsEnd);
          status.deadLetters = sum(ends.get(deadletter(knr)) ?? []);
          status.lag.push(groupLag(normalizerGroup, raw(knr), rawEnd, committed.get(raw(knr)) ?? []));
          const projected = eventsEnd.map((e) => ({ ...e, offset: storedOffsetOf(stored, e.topic, e.partition) }));
          status.lag.push({ group: projectorGroup, topic: events(knr), lag: lagOf(eventsEnd, projected), end: sum(eventsEnd) });
        }
        return status;
      });
      const rebuild = await ops.currentRebuild(READ_MODEL_PROJECTION);
      return {
        namespace: this.ctx.config.kafka.namespace,
        projection: {
          name: READ_MODEL_PROJECTION,
          activeSchema: schema,
          switchedAt: new Date(generation.switchedAt).toISOString(),
          generations: await ops.generationSchemas(),
          rebuild: rebuild ? { targetSchema: rebuild.targetSchema, kommuner: rebuild.kommuner ?? 'all', startedAt: new Date(rebuild.startedAt).toISOString() } : null,
        },
        kommuner,
      };
    } finally {
      await admin.disconnect();
    }
  }
}

function groupLag(group: string, topic: string, end: TopicPartitionOffset[], committed: TopicPartitionOffset[]): GroupLag {
  // -1: the group has committed nothing on that partition yet, so everything is lag.
  const positions = end.map((e) => ({ ...e, offset: committed.find((c) => c.partition === e.partition && BigInt(c.offset) >= 0n)?.offset ?? '0' }));
  return { group, topic, lag: lagOf(end, positions), end: sum(end) };
}

function lagOf(end: TopicPartitionOffset[], positions: TopicPartitionOffset[]): number {
  return end.reduce((n, e) => n + Math.max(0, Number(BigInt(e.offset) - BigInt(positions.find((p) => p.partition === e.partition)?.offset ?? '0'))), 0);
}

function sum(offsets: TopicPartitionOffset[]): number {
  return offsets.reduce((n, o) => n + Number(o.offset), 0);
}
