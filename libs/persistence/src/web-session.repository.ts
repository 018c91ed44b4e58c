import type { DataSource } from 'typeorm';
import { connected } from './data-source-ready.util';

/** Rows of sessions ended or expired this long ago are deleted (they answer nothing any more). */
const KEEP_AFTER_EXPIRY = '1 day';

/**
 * The web page's server-side sessions (`web_sessions`): started at sign-in, ended at logout,
 * and valid only in between and before they expire. One primary-key lookup per page read.
 */
export class WebSessionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** `provider` names the session at the identity provider (its `sid`, a hash of its `sub`) for back-channel logout. */
  async start(sessionId: string, kommunenummer: string, expiresAt: Date, provider: { sid?: string; subjectHash?: string } = {}): Promise<void> {
    await (await connected(this.dataSource)).query('INSERT INTO web_sessions (session_id, kommunenummer, expires_at, provider_sid, subject_hash) VALUES ($1, $2, $3, $4, $5)', [
      sessionId,
      kommunenummer,
      expiresAt,
      provider.sid ?? null,
      provider.subjectHash ?? null,
    ]);
    // Housekeeping with the sign-ins themselves: no timer, and the index keeps it cheap.
    await (await connected(this.dataSource)).query(`DELETE FROM web_sessions WHERE expires_at < now() - interval '${KEEP_AFTER_EXPIRY}'`);
  }

  async isActive(sessionId: string): Promise<boolean> {
    const rows = (await (await connected(this.dataSource)).query('SELECT 1 FROM web_sessions WHERE session_id = $1 AND ended_at IS NULL AND expires_at > now()', [sessionId])) as unknown[];
    return rows.length > 0;
  }

  /** Ends the session; true when it was active. */
  async end(sessionId: string): Promise<boolean> {
    const [rows] = (await (await connected(this.dataSource)).query('UPDATE web_sessions SET ended_at = now() WHERE session_id = $1 AND ended_at IS NULL RETURNING session_id', [sessionId])) as [unknown[], number];
    return rows.length > 0;
  }

  /**
   * Ends every active session a provider's logout names: those of its session `sid` (and, when
   * given too, of that subject), or, with only a subject, every session of the subject. Returns
   * how many were ended.
   */
  async endByProvider(logout: { sid?: string; subjectHash?: string }): Promise<number> {
    if (!logout.sid && !logout.subjectHash) return 0;
    const [rows] = (await (await connected(this.dataSource)).query(
      `UPDATE web_sessions SET ended_at = now()
        WHERE ended_at IS NULL AND ($1::text IS NULL OR provider_sid = $1) AND ($2::text IS NULL OR subject_hash = $2)
        RETURNING session_id`,
      [logout.sid ?? null, logout.subjectHash ?? null],
    )) as [unknown[], number];
    return rows.length;
  }
}
