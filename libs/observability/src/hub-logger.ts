import type { LoggerService } from '@nestjs/common';

/**
 * Structured JSON logs: one line per entry with a message and an object of ids
 * (`{ correlationId, topic, partition, offset }`), never interpolated health data.
 * Fields whose names suggest personal data are dropped by `redact()` as a last line of defence.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const FORBIDDEN_FIELDS = /fnr|fodselsnummer|fødselsnummer|ssn|patientName|familyName|givenName|diagnos|payload|body|xml/i;
const ELEVEN_DIGITS = /\b\d{11}\b/g;

export type LogSink = (line: string) => void;

let sink: LogSink = (line) => process.stdout.write(`${line}\n`);
let minLevel: LogLevel = 'info';
let json = true;

/** Configures all loggers of the process (called once at boot, and by tests to capture output). */
export function configureLogging(options: { level?: LogLevel; json?: boolean; sink?: LogSink }): void {
  if (options.level) minLevel = options.level;
  if (options.json !== undefined) json = options.json;
  if (options.sink) sink = options.sink;
}

export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (FORBIDDEN_FIELDS.test(key)) continue;
    if (typeof value === 'string') out[key] = value.replace(ELEVEN_DIGITS, '[redacted]');
    else if (value instanceof Error) out[key] = { name: value.name, message: value.message.replace(ELEVEN_DIGITS, '[redacted]') };
    else out[key] = value;
  }
  return out;
}

export class HubLogger implements LoggerService {
  constructor(private readonly context: string) {}

  debug(message: string, fields: Record<string, unknown> = {}): void {
    this.write('debug', message, fields);
  }
  info(message: string, fields: Record<string, unknown> = {}): void {
    this.write('info', message, fields);
  }
  log(message: string, fields?: unknown): void {
    this.write('info', message, asFields(fields));
  }
  warn(message: string, fields?: unknown): void {
    this.write('warn', message, asFields(fields));
  }
  error(message: string, fields?: unknown): void {
    this.write('error', message, asFields(fields));
  }
  verbose(message: string, fields?: unknown): void {
    this.write('debug', message, asFields(fields));
  }

  private write(level: LogLevel, message: string, fields: Record<string, unknown>): void {
    if (ORDER[level] < ORDER[minLevel]) return;
    const safeMessage = String(message).replace(ELEVEN_DIGITS, '[redacted]');
    const entry = { time: new Date().toISOString(), level, context: this.context, msg: safeMessage, ...redact(fields) };
    sink(json ? JSON.stringify(entry) : `${entry.time} ${level.toUpperCase()} [${this.context}] ${safeMessage} ${JSON.stringify(redact(fields))}`);
  }
}

function asFields(value: unknown): Record<string, unknown> {
  if (value && typeof value === 'object' && !(value instanceof Error)) return value as Record<string, unknown>;
  if (value instanceof Error) return { error: value };
  if (typeof value === 'string') return { context: value };
  return {};
}

/** Nest's own framework logs, routed through the same structured sink. */
export class NestLoggerAdapter implements LoggerService {
  private readonly logger = new HubLogger('Nest');
  log(message: unknown, context?: string): void {
    this.logger.info(String(message), context ? { source: context } : {});
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error(String(message), { source: context, trace });
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn(String(message), context ? { source: context } : {});
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug(String(message), context ? { source: context } : {});
  }
  verbose(message: unknown, context?: string): void {
    this.logger.debug(String(message), context ? { source: context } : {});
  }
}
