import { DataSource } from 'typeorm';
import { InitialSchema1763900000000 } from './migrations/1763900000000-InitialSchema';
import { AuditLog1764100000000 } from './migrations/1764100000000-AuditLog';
import { DpopProofReplay1764320000000 } from './migrations/1764320000000-DpopProofReplay';
import { AuditRefusalReason1764320100000 } from './migrations/1764320100000-AuditRefusalReason';
import { OpsState1764000000000 } from './migrations/1764000000000-OpsState';
import { PatientNamesGenDate1764200000000 } from './migrations/1764200000000-PatientNamesGenDate';
import { RateLimitBuckets1764330000000 } from './migrations/1764330000000-RateLimitBuckets';
import { RawMessageArchive1763900400000 } from './migrations/1763900400000-RawMessageArchive';
import { ReceiptMessageKey1764300000000 } from './migrations/1764300000000-ReceiptMessageKey';
import { WebSessions1764310000000 } from './migrations/1764310000000-WebSessions';
import { FhirSubscriptions1764340000000 } from './migrations/1764340000000-FhirSubscriptions';
import { OffsetTopicIds1764350000000 } from './migrations/1764350000000-OffsetTopicIds';
import { SubscriptionDelivery1764351000000 } from './migrations/1764351000000-SubscriptionDelivery';
import { WebSessionProviderSession1764351300000 } from './migrations/1764351300000-WebSessionProviderSession';
import { AuditLogOutcomeIndex1764351310000 } from './migrations/1764351310000-AuditLogOutcomeIndex';
import { FactViews1764360000000 } from './migrations/1764360000000-FactViews';
import { RawArchiveLz41764370000000 } from './migrations/1764370000000-RawArchiveLz4';

/**
 * The hub's one PostgreSQL DataSource. Migrations never run when an app boots
 * (`migrationsRun: false`); they run from `hendelseslager migrate` / the stack scripts.
 */
export const MIGRATIONS = [
  InitialSchema1763900000000, RawMessageArchive1763900400000, OpsState1764000000000, AuditLog1764100000000, PatientNamesGenDate1764200000000,
  ReceiptMessageKey1764300000000, WebSessions1764310000000, DpopProofReplay1764320000000, AuditRefusalReason1764320100000,
  RateLimitBuckets1764330000000, FhirSubscriptions1764340000000, OffsetTopicIds1764350000000, SubscriptionDelivery1764351000000,
  WebSessionProviderSession1764351300000, AuditLogOutcomeIndex1764351310000, FactViews1764360000000, RawArchiveLz41764370000000,
];

/**
 * How long a pooled connection lives before it is replaced (pg-pool's `maxLifetimeSeconds`), and
 * with it the plans of the statements prepared on it. The read model's snapshot statement is
 * prepared by name and PostgreSQL settles on one generic plan per connection; a plan made while
 * the tables were nearly empty (a new hub, a projector catching up) reads them whole and stays
 * while they grow, unless an ANALYZE invalidates it. Measured: a connection that prepared it on
 * empty tables read 121,712 blocks (about 200 ms) per patient once the kommune held 20,000
 * versions; a new connection 357 blocks (3–4 ms). This bounds such a plan to a minute.
 */
export const CONNECTION_MAX_LIFETIME_SECONDS = 60;

export function createDataSource(url: string, options: { poolSize?: number; applicationName?: string; maxLifetimeSeconds?: number } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    entities: [],
    logging: false,
    extra: {
      max: options.poolSize ?? 10,
      application_name: options.applicationName ?? 'hendelseslager',
      connectionTimeoutMillis: 3000,
      maxLifetimeSeconds: options.maxLifetimeSeconds ?? CONNECTION_MAX_LIFETIME_SECONDS,
    },
  });
}

/** Applies pending migrations; used by the ops CLI, the stack scripts and test setup. */
export async function runMigrations(url: string): Promise<string[]> {
  const dataSource = createDataSource(url, { poolSize: 1, applicationName: 'hendelseslager-migrate' });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
