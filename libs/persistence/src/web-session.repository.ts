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

  async start(sessionId: string, kommunenummer: string, expiresAt: Date): Promise<void> {
    await (await connected(this.dataSource)).query('INSERT INTO web_sessions (session_id, kommunenummer, expires_at) VALUES ($1, $2, $3)', [sessionId, kommunenummer, expiresAt]);
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
}
