import { HubException } from '@hub/exceptions';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { loadSchema } from './schema-files';
import type { TopicKind, TopicNames } from './topics.constant';

/**
 * Avro encoding through a Confluent-compatible schema registry (TopicNameStrategy:
 * subject `<topic>-value`). Each topic's schema is registered once per process, with the
 * compatibility level set on the subject, so an incompatible change is refused by the registry
 * before anything is written.
 */
export const SUBJECT_COMPATIBILITY = COMPATIBILITY.FULL_TRANSITIVE;

export enum RegistryExceptionCode {
  UNAVAILABLE = 'REGISTRY.UNAVAILABLE',
}

export class RegistryUnavailableException extends HubException<RegistryExceptionCode> {
  constructor(message: string, cause?: unknown) {
    super(RegistryExceptionCode.UNAVAILABLE, message, { cause });
  }
}

export class AvroCodec {
  private readonly registry: SchemaRegistry;
  private readonly schemaIds = new Map<string, Promise<number>>();

  /** `topics`: the process's topic names; only topics of its namespace get a schema. */
  constructor(private readonly url: string, private readonly topics: TopicNames) {
    this.registry = new SchemaRegistry({ host: url, retry: { retries: 1, initialRetryTimeInSecs: 0.1, maxRetryTimeInSecs: 0.5 } });
  }

  /** Encodes a value for a hub topic (registering the topic's schema the first time). */
  async encode(topic: string, value: unknown): Promise<Buffer> {
    const id = await this.schemaIdFor(topic);
    try {
      return await this.registry.encode(id, value);
    } catch (error) {
      if (isRegistryUnreachable(error)) throw new RegistryUnavailableException(`Schema registry unavailable: ${errorText(error)}`, error);
      throw error;
    }
  }

  /** Decodes a Confluent wire-format value, fetching the writer schema by id when needed. */
  async decode<T>(value: Buffer): Promise<T> {
    try {
      return (await this.registry.decode(value)) as T;
    } catch (error) {
      if (isRegistryUnreachable(error)) throw new RegistryUnavailableException(`Schema registry unavailable: ${errorText(error)}`, error);
      throw error;
    }
  }

  /** Registers the topic's current schema (idempotent) and returns its id. */
  schemaIdFor(topic: string): Promise<number> {
    let id = this.schemaIds.get(topic);
    if (!id) {
      id = this.register(topic);
      this.schemaIds.set(topic, id);
      // A failed registration must not be cached: the registry may come back.
      id.catch(() => this.schemaIds.delete(topic));
    }
    return id;
  }

  private async register(topic: string): Promise<number> {
    const parsed = this.topics.parse(topic);
    if (!parsed) throw new Error(`Not a hub topic: ${topic}`);
    return this.registerSchema(`${topic}-value`, parsed.kind);
  }

  async registerSchema(subject: string, kind: TopicKind, schema = loadSchema(kind)): Promise<number> {
    try {
      await this.setCompatibility(subject, SUBJECT_COMPATIBILITY);
      // The compatibility is also passed here: the client refuses to register when the subject's level differs.
      const { id } = await this.registry.register({ type: SchemaType.AVRO, schema }, { subject, compatibility: SUBJECT_COMPATIBILITY });
      return id;
    } catch (error) {
      if (isRegistryUnreachable(error)) throw new RegistryUnavailableException(`Schema registry unavailable: ${errorText(error)}`, error);
      throw error;
    }
  }

  /** PUT /config/{subject}; the client library has no call for it. */
  async setCompatibility(subject: string, level: string): Promise<void> {
    const response = await fetch(`${this.url}/config/${encodeURIComponent(subject)}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: level }),
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`Setting compatibility of ${subject} failed: HTTP ${response.status} ${await response.text()}`);
  }

  /** Cheap round trip used by readiness checks. */
  async ping(): Promise<void> {
    try {
      const response = await fetch(`${this.url}/subjects`, { signal: AbortSignal.timeout(3000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
    } catch (error) {
      throw new RegistryUnavailableException(`Schema registry unavailable: ${errorText(error)}`, error);
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A registry that cannot be reached or answers 502 / 503 (its own or a proxy's "try again"). The
 * client's HTTP errors carry the status apart from the text (the text is the registry's message),
 * so the status is part of what is looked at.
 */
export function isRegistryUnreachable(error: unknown): boolean {
  const e = error as { code?: string; status?: number; cause?: { code?: string } } | undefined;
  // A missing field reads "undefined", which no pattern below matches.
  const text = `${errorText(error)} ${String(e?.code)} ${String(e?.cause?.code)} ${String(e?.status)}`;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|socket hang up|fetch failed|aborted|timeout|503|502/i.test(text);
}
