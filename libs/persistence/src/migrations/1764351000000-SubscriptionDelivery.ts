import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivery of Subscription notifications (issue #14 part 2): each Subscription's status, filter
 * (the patient's pseudonym and resource types: what the notifier matches events by), delivery
 * state (events numbered per subscription, how far delivered, retry schedule, lease of the
 * instance working it, heartbeat) and who reads through it (client, organisation, purpose of
 * use: every notification is audited as that client's read). `fhir_subscription_events` keeps
 * every event of every subscription (for `$events` and redelivery), unique per event id so a
 * redelivered or replayed event is numbered once. `notifier_offsets`: the notifier's next offsets
 * of the event topics (with the Kafka topic id they belong to, as every offsets table since
 * OffsetTopicIds), written in the same transaction as the events they produced.
 */
export class SubscriptionDelivery1764351000000 implements MigrationInterface {
  name = 'SubscriptionDelivery1764351000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE fhir_subscriptions
      ADD COLUMN status text NOT NULL DEFAULT 'requested',
      ADD COLUMN filter_pseudonym text,
      ADD COLUMN resource_types text[] NOT NULL DEFAULT '{}',
      ADD COLUMN content text NOT NULL DEFAULT 'id-only',
      ADD COLUMN endpoint text,
      ADD COLUMN heartbeat_seconds int,
      ADD COLUMN timeout_seconds int,
      ADD COLUMN purpose_of_use text,
      ADD COLUMN organisation text,
      ADD COLUMN patient_identifier text,
      ADD COLUMN events_since_start bigint NOT NULL DEFAULT 0,
      ADD COLUMN delivered_through bigint NOT NULL DEFAULT 0,
      ADD COLUMN attempts int NOT NULL DEFAULT 0,
      ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
      ADD COLUMN last_sent_at timestamptz,
      ADD COLUMN lease_until timestamptz,
      ADD COLUMN last_error text,
      ADD COLUMN ends_at timestamptz`);
    await queryRunner.query("CREATE INDEX fhir_subscriptions_match_idx ON fhir_subscriptions (kommunenummer, filter_pseudonym) WHERE status IN ('requested', 'active')");
    await queryRunner.query("CREATE INDEX fhir_subscriptions_due_idx ON fhir_subscriptions (next_attempt_at) WHERE status IN ('requested', 'active')");
    await queryRunner.query(`CREATE TABLE fhir_subscription_events (
      subscription_id uuid NOT NULL REFERENCES fhir_subscriptions (id) ON DELETE CASCADE,
      event_number bigint NOT NULL,
      event_id uuid NOT NULL,
      msg_key text NOT NULL,
      event_type text NOT NULL,
      patient_pseudonym text NOT NULL,
      occurred_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (subscription_id, event_number),
      UNIQUE (subscription_id, event_id))`);
    await queryRunner.query(`CREATE TABLE notifier_offsets (
      topic text NOT NULL,
      partition int NOT NULL,
      next_offset bigint NOT NULL,
      topic_id text,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (topic, partition))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE notifier_offsets');
    await queryRunner.query('DROP TABLE fhir_subscription_events');
    await queryRunner.query('DROP INDEX fhir_subscriptions_due_idx');
    await queryRunner.query('DROP INDEX fhir_subscriptions_match_idx');
    await queryRunner.query(`ALTER TABLE fhir_subscriptions
      DROP COLUMN status, DROP COLUMN filter_pseudonym, DROP COLUMN resource_types, DROP COLUMN content, DROP COLUMN endpoint,
      DROP COLUMN heartbeat_seconds, DROP COLUMN timeout_seconds, DROP COLUMN purpose_of_use, DROP COLUMN organisation, DROP COLUMN patient_identifier,
      DROP COLUMN events_since_start, DROP COLUMN delivered_through, DROP COLUMN attempts, DROP COLUMN next_attempt_at, DROP COLUMN last_sent_at,
      DROP COLUMN lease_until, DROP COLUMN last_error, DROP COLUMN ends_at`);
  }
}
