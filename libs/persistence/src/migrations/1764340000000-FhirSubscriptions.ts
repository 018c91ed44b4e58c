import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * FHIR Subscriptions (issue #14 part 2, topic-based, R5 Backport IG for R4): one row per
 * subscription a client created for a kommune. `resource` is the Subscription as the hub
 * answers it; the columns beside it are what lookups need (kommune, owner, topic). Outside the
 * read-model generations: a rebuild never touches subscriptions. A filter may name a patient
 * identifier, so the row is health-related data: never logged, only answered to its owner.
 */
export class FhirSubscriptions1764340000000 implements MigrationInterface {
  name = 'FhirSubscriptions1764340000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE fhir_subscriptions (
      id uuid PRIMARY KEY,
      kommunenummer text NOT NULL,
      client_id text NOT NULL,
      topic text NOT NULL,
      resource jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await queryRunner.query('CREATE INDEX fhir_subscriptions_owner_idx ON fhir_subscriptions (kommunenummer, client_id, created_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE fhir_subscriptions');
  }
}
