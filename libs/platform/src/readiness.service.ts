import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AvroCodec } from '@hub/contracts';
import type { AdminPort, KafkaPort } from '@hub/kafka';
import { KAFKA_PORT } from './platform.tokens';
import { dataSourceReady } from './database-lifecycle.service';
import { ProvisioningStatus } from './provisioning-status';
import { projectionHalts, type ProjectionHalt } from './projection-halts';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string; unprovisioned?: string[]; halted?: Array<Pick<ProjectionHalt, 'kommunenummer' | 'projection' | 'problem' | 'since'>> }>;
}

/**
 * Checks the three servers the hub cannot work without and, in a process that provisions topics
 * (intake), that every kommune in the directory has its topics: `checks.topics.unprovisioned`
 * lists the kommunenummer of those that do not (nothing else about them). In a process that
 * runs projections, `checks.projections` lists the kommuner a projection has halted because its
 * stored offsets do not fit the topic any more (libs/platform ProjectionHalts): not ready until
 * an operator has rebuilt or restored them.
 */
@Injectable()
export class ReadinessService implements OnApplicationShutdown {
  private admin?: Promise<AdminPort>;

  constructor(
    @Inject(KAFKA_PORT) private readonly kafka: KafkaPort,
    private readonly codec: AvroCodec,
    private readonly dataSource: DataSource,
    private readonly provisioning: ProvisioningStatus,
  ) {}

  async check(): Promise<ReadinessReport> {
    const checks: ReadinessReport['checks'] = {
      kafka: await this.probe(async () => {
        try {
          await (await this.kafkaAdmin()).ping();
        } catch (error) {
          // Reconnect on the next check: kafkajs admin clients do not recover by themselves.
          this.admin = undefined;
          throw error;
        }
      }),
      schemaRegistry: await this.probe(() => this.codec.ping()),
      postgres: await this.probe(async () => {
        await dataSourceReady(this.dataSource);
        await this.dataSource.query('SELECT 1');
      }),
    };
    if (this.provisioning.tracked) {
      const unprovisioned = this.provisioning.unprovisioned();
      checks.topics =
        unprovisioned.length === 0 ? { ok: true } : { ok: false, error: `${unprovisioned.length} kommune(r) without topics`, unprovisioned };
    }
    const halted = projectionHalts.list();
    if (halted.length > 0) {
      const kommuner = [...new Set(halted.map((h) => h.kommunenummer))];
      checks.projections = {
        ok: false,
        error: `${kommuner.length} kommune(r) halted: stored offsets do not fit the topics (rebuild or restore)`,
        halted: halted.map((h) => ({ kommunenummer: h.kommunenummer, projection: h.projection, problem: h.problem, since: h.since })),
      };
    }
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  }

  private kafkaAdmin(): Promise<AdminPort> {
    if (!this.admin) {
      this.admin = this.kafka.admin();
      this.admin.catch(() => (this.admin = undefined));
    }
    return this.admin;
  }

  private async probe(fn: () => Promise<void>): Promise<{ ok: boolean; error?: string }> {
    try {
      await withTimeout(fn(), 4000);
      return { ok: true };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const admin = await this.admin?.catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
