/**
 * The one place topic names are made (style rule 2). Every kommune has its own topics, so
 * nothing crosses kommuner and a kommune can be replayed, retained or removed on its own.
 * The version suffix changes only with an incompatible change of a topic's schema.
 */
export type TopicKind = 'raw' | 'events' | 'deadletter' | 'audit';

const PREFIX = 'hendelseslager.kommune';
const KOMMUNENUMMER = /^\d{4}$/;

export function assertKommunenummer(kommunenummer: string): string {
  if (!KOMMUNENUMMER.test(kommunenummer)) throw new Error(`Invalid kommunenummer '${kommunenummer}' (expected 4 digits)`);
  return kommunenummer;
}

export const TOPICS = {
  raw: (kommunenummer: string) => `${PREFIX}.${assertKommunenummer(kommunenummer)}.raw.v1`,
  events: (kommunenummer: string) => `${PREFIX}.${assertKommunenummer(kommunenummer)}.events.v1`,
  deadletter: (kommunenummer: string) => `${PREFIX}.${assertKommunenummer(kommunenummer)}.deadletter.v1`,
  audit: (kommunenummer: string) => `${PREFIX}.${assertKommunenummer(kommunenummer)}.audit.v1`,
  /** Pattern matching one kind of topic across all kommuner (for pattern subscriptions). */
  pattern: (kind: TopicKind) => new RegExp(`^hendelseslager\\.kommune\\.\\d{4}\\.${kind}\\.v1$`),
  all: (kommunenummer: string) =>
    (['raw', 'events', 'deadletter', 'audit'] as const).map((kind) => TOPICS[kind](kommunenummer)),
} as const;

/** The kommune and kind of a hub topic, or undefined for a topic that is not the hub's. */
export function parseTopic(topic: string): { kommunenummer: string; kind: TopicKind } | undefined {
  const match = /^hendelseslager\.kommune\.(\d{4})\.(raw|events|deadletter|audit)\.v1$/.exec(topic);
  return match ? { kommunenummer: match[1], kind: match[2] as TopicKind } : undefined;
}

/** Consumer groups, also named in one place. */
export const CONSUMER_GROUPS = {
  normalizer: 'hendelseslager.normalizer',
  projector: (projection: string) => `hendelseslager.projector.${projection}`,
  audit: 'hendelseslager.projector.audit',
} as const;
