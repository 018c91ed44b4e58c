/**
 * The one place topic names are made (style rule 2). Every kommune has its own topics, so
 * nothing crosses kommuner and a kommune can be replayed, retained or removed on its own.
 * The version suffix changes only with an incompatible change of a topic's schema.
 */
export type TopicKind = 'raw' | 'events' | 'deadletter' | 'audit' | 'conflicts';

export const TOPIC_KINDS: readonly TopicKind[] = ['raw', 'events', 'deadletter', 'audit', 'conflicts'];

const KOMMUNENUMMER = /^\d{4}$/;
const NAMESPACE = /^[a-z][a-z0-9-]{0,30}$/;

/** The namespace of topics and consumer groups when none is configured (HENDELSESLAGER_NAMESPACE). */
export const DEFAULT_TOPIC_NAMESPACE = 'hendelseslager';

export function assertKommunenummer(kommunenummer: string): string {
  if (!KOMMUNENUMMER.test(kommunenummer)) throw new Error(`Invalid kommunenummer '${kommunenummer}' (expected 4 digits)`);
  return kommunenummer;
}

/**
 * The names of the hub's topics and consumer groups under one namespace. Every name starts with
 * the namespace ('hendelseslager' unless configured), so test runs and demo data on one Kafka
 * cluster never see each other. Built once per process from configuration
 * (`config.kafka.namespace`: PlatformModule provides it to the apps, OpsContext holds it for the
 * CLI) and handed to whoever names a topic; there is no module-level namespace.
 */
export class TopicNames {
  private readonly parser: RegExp;

  constructor(readonly namespace: string = DEFAULT_TOPIC_NAMESPACE) {
    if (!NAMESPACE.test(namespace)) throw new Error(`Invalid topic namespace '${namespace}'`);
    this.parser = new RegExp(`^${namespace}\\.kommune\\.(\\d{4})\\.(${TOPIC_KINDS.join('|')})\\.v1$`);
  }

  /** `<namespace>.kommune.<kommunenummer>.<kind>.v1` */
  of(kind: TopicKind, kommunenummer: string): string {
    return `${this.namespace}.kommune.${assertKommunenummer(kommunenummer)}.${kind}.v1`;
  }

  raw(kommunenummer: string): string {
    return this.of('raw', kommunenummer);
  }

  events(kommunenummer: string): string {
    return this.of('events', kommunenummer);
  }

  deadletter(kommunenummer: string): string {
    return this.of('deadletter', kommunenummer);
  }

  audit(kommunenummer: string): string {
    return this.of('audit', kommunenummer);
  }

  /** Messages refused because their MsgId was already used for other bytes (kept for inspection only). */
  conflicts(kommunenummer: string): string {
    return this.of('conflicts', kommunenummer);
  }

  /** Every topic of a kommune. */
  all(kommunenummer: string): string[] {
    return TOPIC_KINDS.map((kind) => this.of(kind, kommunenummer));
  }

  /** Pattern matching one kind of topic across all kommuner (for pattern subscriptions). */
  pattern(kind: TopicKind): RegExp {
    return new RegExp(`^${this.namespace}\\.kommune\\.\\d{4}\\.${kind}\\.v1$`);
  }

  /** The kommune and kind of a hub topic, or undefined for a topic that is not the hub's (or of another namespace). */
  parse(topic: string): { kommunenummer: string; kind: TopicKind } | undefined {
    const match = this.parser.exec(topic);
    return match ? { kommunenummer: match[1], kind: match[2] as TopicKind } : undefined;
  }

  /** The normalizer's consumer group. */
  normalizerGroup(): string {
    return `${this.namespace}.normalizer`;
  }

  /** A projector's consumer group. */
  projectorGroup(projection: string): string {
    return `${this.namespace}.projector.${projection}`;
  }

  /** A one-off consumer group of an operations command (`<namespace>.ops.<name>`). */
  opsGroup(name: string): string {
    return `${this.namespace}.ops.${name}`;
  }
}
