import type { DataSource } from 'typeorm';

/**
 * The DPoP replay cache in PostgreSQL (table dpop_proof_replay), shared by every hub instance.
 * Raw SQL because the insert must say in one statement whether the key was new: a conflicting
 * row that has expired is taken over, one that has not means a replay.
 */
export class DpopReplayRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Records `proofKey` until `expiresAtMs`; false when it is already recorded and unexpired. */
  async remember(proofKey: string, expiresAtMs: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO dpop_proof_replay (proof_key, expires_at) VALUES ($1, to_timestamp($2::double precision / 1000))
       ON CONFLICT (proof_key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE dpop_proof_replay.expires_at <= now()
       RETURNING 1`,
      [proofKey, expiresAtMs],
    );
    return rows.length === 1;
  }

  /** Deletes expired rows (they are taken over anyway; this keeps the table small). */
  async prune(): Promise<void> {
    await this.dataSource.query('DELETE FROM dpop_proof_replay WHERE expires_at <= now()');
  }
}
