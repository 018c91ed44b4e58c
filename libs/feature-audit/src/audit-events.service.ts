import { Injectable } from '@nestjs/common';
import type { AuditOutcome } from '@hub/contracts';
import { AuditLogRepository } from '@hub/persistence';
import { EdgeException, EdgeExceptionCode } from '@hub/platform';
import { AccessLogEntry, toEntry } from './patient-access.service';

export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['SUCCESS', 'NOT_FOUND', 'BLOCKED', 'DENIED'];
export const DEFAULT_EVENTS = 100;
export const MAX_EVENTS = 1000;

export interface AuditEvents {
  kommunenummer: string;
  entries: Array<AccessLogEntry & { auditId: string }>;
  /** The cursor for the next (older) page, when this one was full. */
  next: string | null;
}

/**
 * The kommune's audit trail for its privacy officer: every audit event of the kommune, newest
 * first, optionally of one outcome (`DENIED`: every refused access, with who, which route and
 * why). Entries name the actor, never the patient (no identifier, no pseudonym): a patient's own
 * events are in their access log.
 */
@Injectable()
export class AuditEventsService {
  constructor(private readonly auditLog: AuditLogRepository) {}

  async events(kommunenummer: string, query: { outcome?: AuditOutcome; limit: number; after?: { occurredAtMs: number; auditId: string } }): Promise<AuditEvents> {
    const rows = await this.auditLog.events(kommunenummer, { outcome: query.outcome, after: query.after }, query.limit);
    const last = rows.length === query.limit ? rows[rows.length - 1] : undefined;
    return {
      kommunenummer,
      entries: rows.map((row) => ({ auditId: row.auditId, ...toEntry(row) })),
      next: last ? pageCursor(Number(last.occurredAt), last.auditId) : null,
    };
  }
}

/** An opaque paging cursor: the time and audit id of the last event of a page. */
export function pageCursor(occurredAtMs: number, auditId: string): string {
  return Buffer.from(JSON.stringify([occurredAtMs, auditId])).toString('base64url');
}

/** The cursor read back; undefined when it is not one this service made. */
export function readPageCursor(cursor: string): { occurredAtMs: number; auditId: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string' && value[1].length <= 64) {
      return { occurredAtMs: value[0] as number, auditId: value[1] };
    }
  } catch {
    // not a cursor
  }
  return undefined;
}

/** The list's query parameters, each checked at the edge (RequestSchemaPipe refuses any other). */
export const AUDIT_EVENTS_QUERY = {
  outcome: { type: 'string', upperCase: true, oneOf: AUDIT_OUTCOMES },
  limit: { type: 'string', maxLength: 4 },
  after: { type: 'string', maxLength: 256 },
} as const;

/** The validated query as the service takes it; a limit or cursor that is not one is the edge's 400 (a fixed text). */
export function readAuditEventsQuery(query: Record<string, string | string[] | undefined>): { outcome?: AuditOutcome; limit: number; after?: { occurredAtMs: number; auditId: string } } {
  const { outcome, limit, after } = query as { outcome?: string; limit?: string; after?: string };
  const count = limit === undefined ? DEFAULT_EVENTS : /^\d{1,4}$/.test(limit) ? Number(limit) : NaN;
  if (!(count >= 1 && count <= MAX_EVENTS)) throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, `query field limit must be a whole number from 1 to ${MAX_EVENTS}`);
  const cursor = after === undefined ? undefined : readPageCursor(after);
  if (after !== undefined && !cursor) throw new EdgeException(EdgeExceptionCode.INVALID_REQUEST, 'query field after must be the next value of an earlier answer');
  return { outcome: outcome as AuditOutcome | undefined, limit: count, after: cursor };
}
