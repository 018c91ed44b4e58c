/**
 * What an exception may carry besides its code and message: ids, counts, names of elements and
 * codes. Never health data (no identifier, name or diagnosis): metadata ends up in logs.
 */
export type ExceptionMetadata = Readonly<Record<string, string | number | boolean | null>>;

export interface HubExceptionOptions {
  /** The underlying error when one was wrapped; for logs, never for an answer. */
  cause?: unknown;
  metadata?: ExceptionMetadata;
}

/**
 * The one base of the hub's expected failures. Each feature declares a string enum of codes
 * (`'AUDIT.INVALID_IDENTIFIER'`) and one exception class over it; each transport maps the codes
 * in one exhaustive switch ending in `assertUnreachable`, so a new code that is not mapped
 * fails to compile. Codes are strings because `instanceof` does not survive a process
 * boundary (a CLI exit status, a dead-letter record), and a code does.
 */
export abstract class HubException<Code extends string = string> extends Error {
  readonly metadata: ExceptionMetadata;

  protected constructor(
    readonly code: Code,
    message: string,
    options: HubExceptionOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.metadata = Object.freeze({ ...options.metadata });
  }

  /** What a log line shows: the cause is left out (it may quote input). */
  toJSON(): { name: string; code: Code; message: string; metadata: ExceptionMetadata } {
    return { name: this.name, code: this.code, message: this.message, metadata: this.metadata };
  }
}

/** The end of an exhaustive switch: unreachable while every case is handled, a compile error when one is not. */
export function assertUnreachable(value: never, what = 'value'): never {
  throw new Error(`Unhandled ${what}: ${String(value)}`);
}
