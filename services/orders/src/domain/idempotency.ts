import { createHash, randomUUID } from 'node:crypto';
import { AppError, ConflictError } from '@switchyard/kit/errors';
import type { Pool, PoolClient } from '@switchyard/kit/postgres';

/** A stored answer, replayed for a repeat of the same request. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

export type Claim = { kind: 'new'; orderId: string } | { kind: 'replay'; response: StoredResponse };

/** The fingerprint of a request body: the same items in the same order hash the same. */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

/**
 * Claims an Idempotency-Key for a user. A new key gets a fresh order id. A repeat of a completed
 * request gets its stored response; a repeat with another body is refused (422); a repeat while the
 * first is still running is refused (409) unless that one looks dead (older than takeoverMs), in which
 * case it is continued with the same order id.
 */
export async function claimKey(pool: Pool, userId: string, key: string, hash: string, takeoverMs: number): Promise<Claim> {
  const orderId = randomUUID();
  const inserted = await pool.query("INSERT INTO idempotency_keys (user_id, key, request_hash, order_id, state) VALUES ($1, $2, $3, $4, 'IN_PROGRESS') ON CONFLICT DO NOTHING", [
    userId,
    key,
    hash,
    orderId,
  ]);
  if (inserted.rowCount === 1) return { kind: 'new', orderId };

  const { rows } = await pool.query<{ request_hash: string; order_id: string; state: string; response: StoredResponse | null; age_ms: number }>(
    'SELECT request_hash, order_id, state, response, extract(epoch FROM now() - created_at) * 1000 AS age_ms FROM idempotency_keys WHERE user_id = $1 AND key = $2',
    [userId, key],
  );
  const row = rows[0];
  if (!row) return claimKey(pool, userId, key, hash, takeoverMs); // released meanwhile: claim again
  if (row.request_hash !== hash) {
    throw new AppError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request body.');
  }
  if (row.state === 'COMPLETED' && row.response) return { kind: 'replay', response: row.response };
  if (Number(row.age_ms) > takeoverMs) {
    const taken = await pool.query("UPDATE idempotency_keys SET created_at = now() WHERE user_id = $1 AND key = $2 AND state = 'IN_PROGRESS' AND created_at < now() - $3 * interval '1 millisecond'", [
      userId,
      key,
      takeoverMs,
    ]);
    if (taken.rowCount === 1) return { kind: 'new', orderId: row.order_id };
  }
  throw new ConflictError('request_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly.', { headers: { 'retry-after': '1' } });
}

/** Stores the response of a completed request, in the transaction that completed it. */
export async function completeKey(db: PoolClient, userId: string, key: string, response: StoredResponse): Promise<void> {
  await db.query("UPDATE idempotency_keys SET state = 'COMPLETED', response = $3 WHERE user_id = $1 AND key = $2", [userId, key, JSON.stringify(response)]);
}

/** Forgets a key whose request failed, so a retry runs afresh. */
export async function releaseKey(pool: Pool, userId: string, key: string): Promise<void> {
  await pool.query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND state = 'IN_PROGRESS'", [userId, key]);
}
