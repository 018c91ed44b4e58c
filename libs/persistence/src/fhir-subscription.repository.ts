import type { DataSource } from 'typeorm';
import { connected } from './data-source-ready.util';

export interface StoredSubscription {
  id: string;
  kommunenummer: string;
  clientId: string;
  topic: string;
  resource: Record<string, unknown>;
}

/**
 * FHIR Subscriptions (`fhir_subscriptions`), per kommune and owning client: a client sees and
 * deletes only its own. Connects before each statement (lazy connect), like the other
 * read-side repositories.
 */
export class FhirSubscriptionRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(subscription: StoredSubscription): Promise<void> {
    await (await connected(this.dataSource)).query('INSERT INTO fhir_subscriptions (id, kommunenummer, client_id, topic, resource) VALUES ($1, $2, $3, $4, $5)', [
      subscription.id,
      subscription.kommunenummer,
      subscription.clientId,
      subscription.topic,
      JSON.stringify(subscription.resource),
    ]);
  }

  async find(kommunenummer: string, clientId: string, id: string): Promise<StoredSubscription | undefined> {
    const rows = (await (await connected(this.dataSource)).query(
      'SELECT id, kommunenummer, client_id, topic, resource FROM fhir_subscriptions WHERE id = $1 AND kommunenummer = $2 AND client_id = $3',
      [id, kommunenummer, clientId],
    )) as Row[];
    return rows.map(toStored)[0];
  }

  /** The client's subscriptions in the kommune, oldest first. */
  async list(kommunenummer: string, clientId: string): Promise<StoredSubscription[]> {
    const rows = (await (await connected(this.dataSource)).query(
      'SELECT id, kommunenummer, client_id, topic, resource FROM fhir_subscriptions WHERE kommunenummer = $1 AND client_id = $2 ORDER BY created_at, id',
      [kommunenummer, clientId],
    )) as Row[];
    return rows.map(toStored);
  }

  /** Deletes the subscription; true when the client had it. */
  async delete(kommunenummer: string, clientId: string, id: string): Promise<boolean> {
    const [rows] = (await (await connected(this.dataSource)).query('DELETE FROM fhir_subscriptions WHERE id = $1 AND kommunenummer = $2 AND client_id = $3 RETURNING id', [
      id,
      kommunenummer,
      clientId,
    ])) as [unknown[], number];
    return rows.length > 0;
  }
}

interface Row {
  id: string;
  kommunenummer: string;
  client_id: string;
  topic: string;
  resource: Record<string, unknown>;
}

const toStored = (r: Row): StoredSubscription => ({ id: r.id, kommunenummer: r.kommunenummer, clientId: r.client_id, topic: r.topic, resource: r.resource });
