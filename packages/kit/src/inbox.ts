import type { Pool, PoolClient } from './postgres.js';
import { withTransaction } from './postgres.js';

/**
 * Runs a message's effect at most once per consumer: the message id is recorded in the inbox in the
 * same transaction as the effect. A redelivery (the ack was lost, or the publisher sent it twice)
 * finds the id and does nothing; two deliveries racing serialise on the primary key.
 */
export async function processOnce(
  pool: Pool,
  consumer: string,
  messageId: string,
  effect: (db: PoolClient) => Promise<void>,
): Promise<'processed' | 'duplicate'> {
  return withTransaction(pool, async (db) => {
    const inserted = await db.query('INSERT INTO inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [consumer, messageId]);
    if (inserted.rowCount === 0) return 'duplicate';
    await effect(db);
    return 'processed';
  });
}

/** Deletes inbox rows older than the retention (longer than any redelivery can take). */
export async function pruneInbox(pool: Pool, retentionMs: number): Promise<number> {
  const { rowCount } = await pool.query("DELETE FROM inbox WHERE processed_at < now() - $1 * interval '1 millisecond'", [retentionMs]);
  return rowCount ?? 0;
}
