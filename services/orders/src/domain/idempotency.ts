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
 * Claims an Idempotency-Key for a user, leasing it for leaseMs. A new key gets a fresh order id. A
 * repeat of a completed request gets its stored response; a repeat with another body is refused
 * (422); a repeat while another request holds the lease is refused (409, Retry-After) unless the lease
 * ran out (that request died) or was given back (it failed with an unknown outcome): then it continues
 * with the same order id.
 */
export async function claimKey(pool: Pool, userId: string, key: string, hash: string, leaseMs: number): Promise<Claim> {
  const orderId = randomUUID();
  const inserted = await pool.query(
    "INSERT INTO idempotency_keys (user_id, key, request_hash, order_id, state, locked_until) VALUES ($1, $2, $3, $4, 'IN_PROGRESS', now() + $5 * interval '1 millisecond') ON CONFLICT DO NOTHING",
    [userId, key, hash, orderId, leaseMs],
  );
  if (inserted.rowCount === 1) return { kind: 'new', orderId };

  const { rows } = await pool.query<{ request_hash: string; state: string; response: StoredResponse | null }>(
    'SELECT request_hash, state, response FROM idempotency_keys WHERE user_id = $1 AND key = $2',
    [userId, key],
  );
  const row = rows[0];
  if (!row) return claimKey(pool, userId, key, hash, leaseMs); // released meanwhile: claim again
  if (row.request_hash !== hash) {
    throw new AppError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request body.');
  }
  if (row.state === 'COMPLETED' && row.response) return { kind: 'replay', response: row.response };
  const taken = await pool.query<{ order_id: string }>(
    "UPDATE idempotency_keys SET locked_until = now() + $3 * interval '1 millisecond' WHERE user_id = $1 AND key = $2 AND state = 'IN_PROGRESS' AND locked_until <= now() RETURNING order_id",
    [userId, key, leaseMs],
  );
  if (taken.rows[0]) return { kind: 'new', orderId: taken.rows[0].order_id };
  throw new ConflictError('request_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly.', { headers: { 'retry-after': '1' } });
}

/** Stores the response of a completed request, in the transaction that completed it. */
export async function completeKey(db: PoolClient, userId: string, key: string, response: StoredResponse): Promise<void> {
  await db.query("UPDATE idempotency_keys SET state = 'COMPLETED', response = $3, locked_until = NULL WHERE user_id = $1 AND key = $2", [userId, key, JSON.stringify(response)]);
}

/** Forgets a key whose request failed before anything was reserved, so a retry runs afresh. */
export async function releaseKey(pool: Pool, userId: string, key: string): Promise<void> {
  await pool.query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND state = 'IN_PROGRESS'", [userId, key]);
}

/** Gives the lease back but keeps the key's order id: its reservation may exist, and a retry must find it. */
export async function keepKey(pool: Pool, userId: string, key: string): Promise<void> {
  await pool.query("UPDATE idempotency_keys SET locked_until = now() WHERE user_id = $1 AND key = $2 AND state = 'IN_PROGRESS'", [userId, key]);
}

/** Moves the key to a fresh order id: its old reservation ended (expired or released) before the order was placed. */
export async function renewOrderId(pool: Pool, userId: string, key: string): Promise<string> {
  const orderId = randomUUID();
  await pool.query("UPDATE idempotency_keys SET order_id = $3 WHERE user_id = $1 AND key = $2 AND state = 'IN_PROGRESS'", [userId, key, orderId]);
  return orderId;
}
