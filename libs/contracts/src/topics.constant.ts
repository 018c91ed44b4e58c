/**
 * The one place topic names are made (style rule 2). Every kommune has its own topics, so
 * nothing crosses kommuner and a kommune can be replayed, retained or removed on its own.
 * The version suffix changes only with an incompatible change of a topic's schema.
 */
export type TopicKind = 'raw' | 'events' | 'deadletter' | 'audit' | 'conflicts';

const KOMMUNENUMMER = /^\d{4}$/;
const NAMESPACE = /^[a-z][a-z0-9-]{0,30}$/;

/**
 * Every topic and consumer group name starts with a namespace ('hendelseslager' unless
 * configured), so test runs and demo data on one Kafka cluster never see each other.
 * Set once at boot from configuration (HENDELSESLAGER_NAMESPACE), before any topic is named.
 */
let namespace = 'hendelseslager';

export function setTopicNamespace(value: string): void {
  if (!NAMESPACE.test(value)) throw new Error(`Invalid topic namespace '${value}'`);
  namespace = value;
}

export function topicNamespace(): string {
  return namespace;
}

const prefix = () => `${namespace}.kommune`;

export function assertKommunenummer(kommunenummer: string): string {
  if (!KOMMUNENUMMER.test(kommunenummer)) throw new Error(`Invalid kommunenummer '${kommunenummer}' (expected 4 digits)`);
  return kommunenummer;
}

export const TOPICS = {
  raw: (kommunenummer: string) => `${prefix()}.${assertKommunenummer(kommunenummer)}.raw.v1`,
  events: (kommunenummer: string) => `${prefix()}.${assertKommunenummer(kommunenummer)}.events.v1`,
  deadletter: (kommunenummer: string) => `${prefix()}.${assertKommunenummer(kommunenummer)}.deadletter.v1`,
  audit: (kommunenummer: string) => `${prefix()}.${assertKommunenummer(kommunenummer)}.audit.v1`,
  /** Messages refused because their MsgId was already used for other bytes (kept for inspection only). */
  conflicts: (kommunenummer: string) => `${prefix()}.${assertKommunenummer(kommunenummer)}.conflicts.v1`,
  /** Pattern matching one kind of topic across all kommuner (for pattern subscriptions). */
  pattern: (kind: TopicKind) => new RegExp(`^${namespace}\\.kommune\\.\\d{4}\\.${kind}\\.v1$`),
  all: (kommunenummer: string) =>
    (['raw', 'events', 'deadletter', 'audit', 'conflicts'] as const).map((kind) => TOPICS[kind](kommunenummer)),
} as const;

/** The kommune and kind of a hub topic, or undefined for a topic that is not the hub's. */
export function parseTopic(topic: string): { kommunenummer: string; kind: TopicKind } | undefined {
  const match = new RegExp(`^${namespace}\\.kommune\\.(\\d{4})\\.(raw|events|deadletter|audit|conflicts)\\.v1$`).exec(topic);
  return match ? { kommunenummer: match[1], kind: match[2] as TopicKind } : undefined;
}

/** Consumer groups, also named in one place. */
export const CONSUMER_GROUPS = {
  normalizer: () => `${namespace}.normalizer`,
  projector: (projection: string) => `${namespace}.projector.${projection}`,
} as const;
