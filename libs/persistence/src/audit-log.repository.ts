import { connected } from './data-source-ready.util';
import { AUDIT_OFFSETS, restartStoredOffsets, selectStoredOffsets, StoredOffset, upsertStoredOffsets } from './stored-offsets.util';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuditRecord } from '@hub/contracts';

/**
 * One audit event as stored by the audit projection: the contract's AuditRecord, with action
 * and outcome read back as the text the table holds (a row written by a newer version may carry
 * a value this one does not know).
 */
export type AuditLogRow = Omit<AuditRecord, 'action' | 'outcome'> & { action: string; outcome: string };

export interface LogPosition {
  topic: string;
  partition: number;
  offset: string;
}

/** A change of a patient's blocking (sperring); the newest (time, auditId) wins. */
export interface BlockChange {
  kommunenummer: string;
  patientPseudonym: string;
  blocked: boolean;
  changedAtMs: number;
  auditId: string;
  clientId: string;
}

export interface BlockState {
  blocked: boolean;
  changedAt: string;
  auditId: string;
}

/**
 * The one definition of "this identity group is blocked" (sperring): a current block row of any
 * pseudonym in the group. `b` is patient_blocks' alias; `kommune` and `pseudonyms` are SQL
 * expressions (a kommunenummer and a text[]). The read path's snapshot statement uses it too,
 * so both ask the same question.
 */
export function blockedAmongSql(b: string, kommune: string, pseudonyms: string): string {
  return `${b}.kommunenummer = ${kommune} AND ${b}.patient_pseudonym = ANY(${pseudonyms}) AND ${b}.blocked`;
}

/**
 * The audit projection's tables: audit_log, patient_blocks and its offsets. Raw SQL because
 * the upserts need ON CONFLICT with a condition (the newest block change wins, whatever the
 * order in which the projection and the blocking endpoint's write-through arrive).
 */
export class AuditLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  async offsets(topics: string[]): Promise<StoredOffset[]> {
    return selectStoredOffsets(await connected(this.dataSource), AUDIT_OFFSETS, topics);
  }

  /** The audit projection reads `topic` (now the topic with id `topicId`) again from its start: see `restartStoredOffsets`. */
  async restartFrom(topic: string, topicId: string, partitions: number[]): Promise<void> {
    await (await connected(this.dataSource)).transaction((manager) => restartStoredOffsets(manager, AUDIT_OFFSETS, topic, topicId, partitions));
  }

  /** Runs `work` in one transaction, so audit rows, block changes and offsets commit together. */
  async transaction<T>(work: (writer: AuditLogWriter) => Promise<T>): Promise<T> {
    return (await connected(this.dataSource)).transaction((manager) => work(new AuditLogWriter(manager)));
  }

  /** Applies one block change outside the projection (the endpoint's read-your-write). */
  async applyBlock(change: BlockChange): Promise<void> {
    return new AuditLogWriter((await connected(this.dataSource)).manager).applyBlock(change);
  }

  /** The block state of the first blocked pseudonym among `pseudonyms` (a linked group), if any. */
  async blockedAmong(kommunenummer: string, pseudonyms: string[]): Promise<BlockState | undefined> {
    const rows: Array<{ changed_at: Date; audit_id: string }> = await (await connected(this.dataSource)).query(
      `SELECT changed_at, audit_id FROM patient_blocks b WHERE ${blockedAmongSql('b', '$1', '$2')} ORDER BY changed_at_ms DESC LIMIT 1`,
      [kommunenummer, pseudonyms],
    );
    return rows[0] ? { blocked: true, changedAt: rows[0].changed_at.toISOString(), auditId: rows[0].audit_id } : undefined;
  }

  /** Audit events about any of `pseudonyms` in one kommune, newest first. */
  async accessLog(kommunenummer: string, pseudonyms: string[], limit: number): Promise<AuditLogRow[]> {
    const rows: AuditRowSql[] = await (await connected(this.dataSource)).query(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE kommunenummer = $1 AND patient_pseudonym = ANY($2) ORDER BY occurred_at DESC, audit_id LIMIT $3`,
      [kommunenummer, pseudonyms, limit],
    );
    return rows.map(toAuditRow);
  }

  /**
   * The kommune's audit events, newest first (time, then audit id), optionally of one outcome
   * (DENIED: every refused access) and after `after` in that order (the last event of the
   * previous page), at most `limit`.
   */
  async events(kommunenummer: string, filter: { outcome?: string; after?: { occurredAtMs: number; auditId: string } }, limit: number): Promise<AuditLogRow[]> {
    const rows: AuditRowSql[] = await (await connected(this.dataSource)).query(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log
        WHERE kommunenummer = $1 AND ($2::text IS NULL OR outcome = $2)
          AND ($3::timestamptz IS NULL OR occurred_at < $3 OR (occurred_at = $3 AND audit_id > $4))
        ORDER BY occurred_at DESC, audit_id LIMIT $5`,
      [kommunenummer, filter.outcome ?? null, filter.after ? new Date(filter.after.occurredAtMs) : null, filter.after?.auditId ?? null, limit],
    );
    return rows.map(toAuditRow);
  }

  /** One audit event by id (tests and operators check that a read was audited). */
  async byId(auditId: string): Promise<AuditLogRow | undefined> {
    const rows: AuditRowSql[] = await (await connected(this.dataSource)).query(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE audit_id = $1`, [auditId]);
    return rows[0] ? toAuditRow(rows[0]) : undefined;
  }
}

const AUDIT_COLUMNS =
  'audit_id, kommunenummer, occurred_at, action, resource, patient_pseudonym, client_id, organisation, actor_hpr, actor_name, purpose_of_use, outcome, correlation_id, refusal_reason';

interface AuditRowSql {
  audit_id: string;
  kommunenummer: string;
  occurred_at: Date;
  action: string;
  resource: string;
  patient_pseudonym: string | null;
  client_id: string;
  organisation: string | null;
  actor_hpr: string | null;
  actor_name: string | null;
  purpose_of_use: string | null;
  outcome: string;
  correlation_id: string;
  refusal_reason: string | null;
}

function toAuditRow(r: AuditRowSql): AuditLogRow {
  return {
    auditId: r.audit_id,
    kommunenummer: r.kommunenummer,
    occurredAt: r.occurred_at.getTime(),
    action: r.action,
    resource: r.resource,
    patientPseudonym: r.patient_pseudonym,
    clientId: r.client_id,
    organisation: r.organisation,
    actorHpr: r.actor_hpr,
    actorName: r.actor_name,
    purposeOfUse: r.purpose_of_use,
    outcome: r.outcome,
    correlationId: r.correlation_id,
    refusalReason: r.refusal_reason,
  };
}

/** Writes of one projection batch, inside its transaction. */
export class AuditLogWriter {
  constructor(private readonly manager: EntityManager) {}

  /** Idempotent by auditId: a redelivered or replayed event leaves the same row. */
  async insert(row: AuditLogRow, position: LogPosition): Promise<void> {
    await this.insertMany([{ row, position }]);
  }

  /**
   * A whole batch in one statement (one round trip instead of one per event: every patient read
   * produces an audit event). Idempotent by auditId like `insert`.
   */
  async insertMany(items: Array<{ row: AuditLogRow; position: LogPosition }>): Promise<void> {
    if (items.length === 0) return;
    const column = <T>(f: (i: { row: AuditLogRow; position: LogPosition }) => T) => items.map(f);
    await this.manager.query(
      `INSERT INTO audit_log (audit_id, kommunenummer, occurred_at, action, resource, patient_pseudonym, client_id, organisation, actor_hpr,
                              actor_name, purpose_of_use, outcome, correlation_id, topic, partition, "offset", refusal_reason)
       SELECT audit_id, kommunenummer, to_timestamp(occurred_ms / 1000), action, resource, patient_pseudonym, client_id, organisation, actor_hpr,
              actor_name, purpose_of_use, outcome, correlation_id, topic, partition, "offset", refusal_reason
         FROM unnest($1::text[], $2::text[], $3::double precision[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                     $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::int[], $16::bigint[], $17::text[])
           AS t(audit_id, kommunenummer, occurred_ms, action, resource, patient_pseudonym, client_id, organisation, actor_hpr,
                actor_name, purpose_of_use, outcome, correlation_id, topic, partition, "offset", refusal_reason)
       ON CONFLICT (audit_id) DO NOTHING`,
      [
        column((i) => i.row.auditId), column((i) => i.row.kommunenummer), column((i) => i.row.occurredAt), column((i) => i.row.action),
        column((i) => i.row.resource), column((i) => i.row.patientPseudonym), column((i) => i.row.clientId), column((i) => i.row.organisation),
        column((i) => i.row.actorHpr), column((i) => i.row.actorName), column((i) => i.row.purposeOfUse), column((i) => i.row.outcome),
        column((i) => i.row.correlationId), column((i) => i.position.topic), column((i) => i.position.partition), column((i) => i.position.offset),
        column((i) => i.row.refusalReason ?? null),
      ],
    );
  }

  /**
   * The newest change wins by (time, auditId), not by arrival: the blocking endpoint writes
   * its change through at once and the projection applies the same event later, possibly
   * after an older one, which must then not undo the newer state.
   */
  async applyBlock(change: BlockChange): Promise<void> {
    await this.manager.query(
      `INSERT INTO patient_blocks (kommunenummer, patient_pseudonym, blocked, changed_at, changed_at_ms, audit_id, changed_by_client)
       VALUES ($1, $2, $3, to_timestamp($4::double precision / 1000), $4, $5, $6)
       ON CONFLICT (kommunenummer, patient_pseudonym) DO UPDATE
          SET blocked = EXCLUDED.blocked, changed_at = EXCLUDED.changed_at, changed_at_ms = EXCLUDED.changed_at_ms,
              audit_id = EXCLUDED.audit_id, changed_by_client = EXCLUDED.changed_by_client
        WHERE (patient_blocks.changed_at_ms, patient_blocks.audit_id) < (EXCLUDED.changed_at_ms, EXCLUDED.audit_id)`,
      [change.kommunenummer, change.patientPseudonym, change.blocked, change.changedAtMs, change.auditId, change.clientId],
    );
  }

  async saveOffset(topic: string, partition: number, nextOffset: string, topicId?: string): Promise<void> {
    await upsertStoredOffsets(this.manager, AUDIT_OFFSETS, [{ topic, partition, offset: nextOffset, topicId }]);
  }
}
