import type { DataSource, EntityManager } from 'typeorm';
import { connected } from './data-source-ready.util';
import { NOTIFIER_OFFSETS, restartStoredOffsets, selectStoredOffsets, StoredOffset, upsertStoredOffsets } from './stored-offsets.util';

/** How a Subscription is delivered and whose read each notification is. */
export interface SubscriptionDelivery {
  /** Pseudonym of the patient the filter names (what events are matched by). */
  filterPseudonym: string;
  /** The filter's identifier (`system|value` token): health data, never logged or answered to others. */
  patientIdentifier: string;
  /** Resource types the filters name; empty: every type of the topic. */
  resourceTypes: string[];
  content: string;
  endpoint: string;
  heartbeatSeconds: number | null;
  timeoutSeconds: number | null;
  purposeOfUse: string;
  organisation: string | null;
  endsAt: string | null;
}

export interface StoredSubscription {
  id: string;
  kommunenummer: string;
  clientId: string;
  topic: string;
  /** The Subscription as created (its status is `status`). */
  resource: Record<string, unknown>;
  status?: string;
  lastError?: string | null;
  eventsSinceStart?: string;
  delivery?: SubscriptionDelivery;
}

/** A Subscription claimed by one notifier instance for a while (its lease). */
export interface DueSubscription extends Required<Omit<StoredSubscription, 'lastError'>> {
  deliveredThrough: string;
  attempts: number;
  lastSentAt: Date | null;
}

/** One event of a Subscription, numbered from 1 in the order the notifier matched them. */
export interface SubscriptionEvent {
  eventNumber: string;
  eventId: string;
  msgKey: string;
  eventType: string;
  patientPseudonym: string;
  occurredAt: Date;
}

/** An event of the event topic as the notifier matches it. */
export interface MatchableEvent {
  kommunenummer: string;
  eventId: string;
  msgKey: string;
  eventType: string;
  /** The topics it belongs to (canonical URLs). */
  topics: string[];
  /** The patient's pseudonyms (primary and linked). */
  pseudonyms: string[];
  /** Resource types the message changed. */
  resourceTypes: string[];
  occurredAt: string;
  /** When the hub recorded it: subscriptions created after this do not get it. */
  recordedAt: Date;
}


const COLUMNS = `id, kommunenummer, client_id, topic, resource, status, last_error, events_since_start::text AS events_since_start, filter_pseudonym, patient_identifier,
  resource_types, content, endpoint, heartbeat_seconds, timeout_seconds, purpose_of_use, organisation, ends_at, delivered_through::text AS delivered_through, attempts, last_sent_at`;

/**
 * FHIR Subscriptions (`fhir_subscriptions`), per kommune and owning client: a client sees and
 * deletes only its own; and their delivery: events numbered per subscription
 * (`fhir_subscription_events`), leases so one notifier instance at a time works a subscription
 * (in order), retries, heartbeats. Connects before each statement (lazy connect).
 */
export class FhirSubscriptionRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(subscription: StoredSubscription): Promise<void> {
    const d = subscription.delivery;
    await (await connected(this.dataSource)).query(
      `INSERT INTO fhir_subscriptions (id, kommunenummer, client_id, topic, resource, filter_pseudonym, patient_identifier, resource_types, content, endpoint,
         heartbeat_seconds, timeout_seconds, purpose_of_use, organisation, ends_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [
        subscription.id, subscription.kommunenummer, subscription.clientId, subscription.topic, JSON.stringify(subscription.resource),
        d?.filterPseudonym ?? null, d?.patientIdentifier ?? null, d?.resourceTypes ?? [], d?.content ?? 'id-only', d?.endpoint ?? null,
        d?.heartbeatSeconds ?? null, d?.timeoutSeconds ?? null, d?.purposeOfUse ?? null, d?.organisation ?? null, d?.endsAt ?? null,
      ],
    );
  }

  async find(kommunenummer: string, clientId: string, id: string): Promise<StoredSubscription | undefined> {
    const rows = (await (await connected(this.dataSource)).query(`SELECT ${COLUMNS} FROM fhir_subscriptions WHERE id = $1 AND kommunenummer = $2 AND client_id = $3`, [id, kommunenummer, clientId])) as Row[];
    return rows.map(toStored)[0];
  }

  /** The client's subscriptions in the kommune, oldest first. */
  async list(kommunenummer: string, clientId: string): Promise<StoredSubscription[]> {
    const rows = (await (await connected(this.dataSource)).query(`SELECT ${COLUMNS} FROM fhir_subscriptions WHERE kommunenummer = $1 AND client_id = $2 ORDER BY created_at, id`, [kommunenummer, clientId])) as Row[];
    return rows.map(toStored);
  }

  /** Deletes the subscription (and its events); true when the client had it. */
  async delete(kommunenummer: string, clientId: string, id: string): Promise<boolean> {
    const [rows] = (await (await connected(this.dataSource)).query('DELETE FROM fhir_subscriptions WHERE id = $1 AND kommunenummer = $2 AND client_id = $3 RETURNING id', [
      id,
      kommunenummer,
      clientId,
    ])) as [unknown[], number];
    return rows.length > 0;
  }

  /**
   * The client sets its subscription's status: `requested` starts over with a handshake and then
   * delivers what is not delivered yet (after an error, say), `off` stops delivery. True when the
   * client had it.
   */
  async setStatus(kommunenummer: string, clientId: string, id: string, status: 'requested' | 'off'): Promise<boolean> {
    const [rows] = (await (await connected(this.dataSource)).query(
      `UPDATE fhir_subscriptions SET status = $4, attempts = 0, last_error = NULL, next_attempt_at = now(), lease_until = NULL
        WHERE id = $1 AND kommunenummer = $2 AND client_id = $3 RETURNING id`,
      [id, kommunenummer, clientId, status],
    )) as [unknown[], number];
    return rows.length > 0;
  }

  /** The notifier's stored next offsets of these topics. */
  async offsets(topics: string[]): Promise<StoredOffset[]> {
    return selectStoredOffsets(await connected(this.dataSource), NOTIFIER_OFFSETS, topics);
  }

  /**
   * The notifier reads `topic` (now the topic with id `topicId`) again from its start: see
   * `restartStoredOffsets`. Events are numbered once per subscription by event id, so nothing is
   * notified twice.
   */
  async restartFrom(topic: string, topicId: string, partitions: number[]): Promise<void> {
    await (await connected(this.dataSource)).transaction((manager) => restartStoredOffsets(manager, NOTIFIER_OFFSETS, topic, topicId, partitions));
  }

  /**
   * Numbers the events for every requested or active subscription they match (same kommune,
   * topic, patient, resource type, created before the event was recorded, not ended) and stores
   * the partition's next offset, in one transaction. An event a subscription already has (a
   * redelivery, a replay) is not numbered again. Returns how many subscription events were added.
   */
  async recordEvents(events: MatchableEvent[], offset: StoredOffset): Promise<number> {
    let added = 0;
    await (await connected(this.dataSource)).transaction(async (manager: EntityManager) => {
      for (const { ord, id } of await this.matching(manager, events)) {
        const event = events[ord];
        const inserted = (await manager.query(
          `WITH next AS (UPDATE fhir_subscriptions SET events_since_start = events_since_start + 1
                           WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM fhir_subscription_events WHERE subscription_id = $1 AND event_id = $2)
                         RETURNING events_since_start)
           INSERT INTO fhir_subscription_events (subscription_id, event_number, event_id, msg_key, event_type, patient_pseudonym, occurred_at)
           SELECT $1, events_since_start, $2, $3, $4, $5, $6 FROM next RETURNING event_number`,
          [id, event.eventId, event.msgKey, event.eventType, event.pseudonyms[0], event.occurredAt],
        )) as unknown[];
        added += inserted.length;
      }
      await upsertStoredOffsets(manager, NOTIFIER_OFFSETS, [offset]);
    });
    return added;
  }

  /**
   * The subscriptions each event of a batch matches, in one statement for the whole batch (a
   * statement per event was the notifier's cost per message, with or without subscriptions):
   * locked FOR UPDATE in id order, as every writer of their counters locks them, and returned in
   * the batch's order, so each subscription numbers its events as they came.
   */
  private async matching(manager: EntityManager, events: MatchableEvent[]): Promise<Array<{ ord: number; id: string }>> {
    if (events.length === 0) return [];
    const rows = (await manager.query(
      `SELECT e.ord, s.id FROM json_to_recordset($1::json) AS e(ord int, kommunenummer text, pseudonyms text[], topics text[], resource_types text[], recorded_at timestamptz)
         JOIN fhir_subscriptions s ON s.kommunenummer = e.kommunenummer AND s.filter_pseudonym = ANY(e.pseudonyms) AND s.status IN ('requested', 'active')
           AND s.topic = ANY(e.topics) AND (cardinality(s.resource_types) = 0 OR s.resource_types && e.resource_types)
           AND s.created_at <= e.recorded_at AND (s.ends_at IS NULL OR s.ends_at > e.recorded_at)
       ORDER BY s.id FOR UPDATE OF s`,
      [JSON.stringify(events.map((e, ord) => ({ ord, kommunenummer: e.kommunenummer, pseudonyms: e.pseudonyms, topics: e.topics, resource_types: e.resourceTypes, recorded_at: e.recordedAt.toISOString() })))],
    )) as Array<{ ord: number; id: string }>;
    return rows.sort((a, b) => a.ord - b.ord || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * Claims up to `limit` subscriptions with work due (a handshake, undelivered events whose
   * retry time has come, or a heartbeat), for `leaseMs`: no other instance takes them meanwhile,
   * so each subscription's notifications leave in order.
   */
  async claimDue(limit: number, leaseMs: number): Promise<DueSubscription[]> {
    const rows = (await (await connected(this.dataSource)).query(
      `UPDATE fhir_subscriptions SET lease_until = now() + ($2 || ' milliseconds')::interval
        WHERE id IN (SELECT id FROM fhir_subscriptions
                      WHERE status IN ('requested', 'active') AND endpoint IS NOT NULL AND (lease_until IS NULL OR lease_until < now())
                        AND ((status = 'requested' AND next_attempt_at <= now())
                          OR (status = 'active' AND delivered_through < events_since_start AND next_attempt_at <= now())
                          OR (status = 'active' AND heartbeat_seconds IS NOT NULL AND COALESCE(last_sent_at, created_at) + heartbeat_seconds * interval '1 second' <= now()))
                      ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING ${COLUMNS}`,
      [limit, String(leaseMs)],
    )) as [Row[], number];
    return rows[0].map((r) => ({ ...(toStored(r) as Required<StoredSubscription>), deliveredThrough: r.delivered_through, attempts: r.attempts, lastSentAt: r.last_sent_at }));
  }

  /** Events of a subscription with numbers in [from, to], in order (at most `limit`). */
  async events(id: string, from: string, to: string | undefined, limit: number): Promise<SubscriptionEvent[]> {
    const rows = (await (await connected(this.dataSource)).query(
      `SELECT event_number::text AS event_number, event_id, msg_key, event_type, patient_pseudonym, occurred_at FROM fhir_subscription_events
        WHERE subscription_id = $1 AND event_number >= $2 AND ($3::bigint IS NULL OR event_number <= $3) ORDER BY event_number LIMIT $4`,
      [id, from, to ?? null, limit],
    )) as Array<{ event_number: string; event_id: string; msg_key: string; event_type: string; patient_pseudonym: string; occurred_at: Date }>;
    return rows.map((r) => ({ eventNumber: r.event_number, eventId: r.event_id, msgKey: r.msg_key, eventType: r.event_type, patientPseudonym: r.patient_pseudonym, occurredAt: r.occurred_at }));
  }

  /** A notification was accepted by the endpoint: status (active after a handshake), how far delivered, lease released. */
  async delivered(id: string, update: { status?: string; deliveredThrough?: string }): Promise<void> {
    await (await connected(this.dataSource)).query(
      `UPDATE fhir_subscriptions SET status = COALESCE($2, status), delivered_through = GREATEST(delivered_through, COALESCE($3::bigint, delivered_through)),
         attempts = 0, last_error = NULL, last_sent_at = now(), next_attempt_at = now(), lease_until = NULL WHERE id = $1`,
      [id, update.status ?? null, update.deliveredThrough ?? null],
    );
  }

  /** A delivery failed: retry at `retryAt`, or, when `giveUp`, status error (events kept for `$events`). */
  async failed(id: string, error: string, retryAt: Date, giveUp: boolean): Promise<void> {
    await (await connected(this.dataSource)).query(
      `UPDATE fhir_subscriptions SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3, lease_until = NULL, status = CASE WHEN $4 THEN 'error' ELSE status END WHERE id = $1`,
      [id, error, retryAt, giveUp],
    );
  }

  /** Releases the lease without a delivery (nothing could be sent yet), to look again at `retryAt`. */
  async postpone(id: string, retryAt: Date): Promise<void> {
    await (await connected(this.dataSource)).query('UPDATE fhir_subscriptions SET next_attempt_at = $2, lease_until = NULL WHERE id = $1', [id, retryAt]);
  }

  /** Ends subscriptions whose `end` has passed (status off). */
  async endExpired(): Promise<number> {
    const [rows] = (await (await connected(this.dataSource)).query("UPDATE fhir_subscriptions SET status = 'off' WHERE status IN ('requested', 'active') AND ends_at <= now() RETURNING id")) as [unknown[], number];
    return rows.length;
  }
}

interface Row {
  id: string;
  kommunenummer: string;
  client_id: string;
  topic: string;
  resource: Record<string, unknown>;
  status: string;
  last_error: string | null;
  events_since_start: string;
  filter_pseudonym: string | null;
  patient_identifier: string | null;
  resource_types: string[];
  content: string;
  endpoint: string | null;
  heartbeat_seconds: number | null;
  timeout_seconds: number | null;
  purpose_of_use: string | null;
  organisation: string | null;
  ends_at: Date | null;
  delivered_through: string;
  attempts: number;
  last_sent_at: Date | null;
}

const toStored = (r: Row): StoredSubscription => ({
  id: r.id,
  kommunenummer: r.kommunenummer,
  clientId: r.client_id,
  topic: r.topic,
  resource: r.resource,
  status: r.status,
  lastError: r.last_error,
  eventsSinceStart: r.events_since_start,
  ...(r.filter_pseudonym && r.endpoint
    ? {
        delivery: {
          filterPseudonym: r.filter_pseudonym,
          patientIdentifier: r.patient_identifier ?? '',
          resourceTypes: r.resource_types,
          content: r.content,
          endpoint: r.endpoint,
          heartbeatSeconds: r.heartbeat_seconds,
          timeoutSeconds: r.timeout_seconds,
          purposeOfUse: r.purpose_of_use ?? '',
          organisation: r.organisation,
          endsAt: r.ends_at ? r.ends_at.toISOString() : null,
        },
      }
    : {}),
});
