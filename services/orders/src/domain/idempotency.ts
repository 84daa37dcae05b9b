import { createHash, randomUUID } from 'node:crypto';
import { AppError, ConflictError } from '@switchyard/kit/errors';
import type { Pool, PoolClient } from '@switchyard/kit/postgres';

/** A stored answer, replayed for a repeat of the same request. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

/**
 * A claim: the key is ours (a new one, or a continued one, whose earlier attempt may have reserved its
 * order id's stock) under a lease, or a replay of the stored response.
 */
export type Claim = { kind: 'new'; orderId: string; continued: boolean; lease: Lease } | { kind: 'replay'; response: StoredResponse };

/** Who holds a key: only the holder of its current lease may forget it or move it to another order. */
export interface Lease {
  userId: string;
  key: string;
  id: string;
}

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
  const lease = { userId, key, id: randomUUID() };
  const inserted = await pool.query(
    "INSERT INTO idempotency_keys (user_id, key, request_hash, order_id, state, locked_until, lease) VALUES ($1, $2, $3, $4, 'IN_PROGRESS', now() + $5 * interval '1 millisecond', $6) ON CONFLICT DO NOTHING",
    [userId, key, hash, orderId, leaseMs, lease.id],
  );
  if (inserted.rowCount === 1) return { kind: 'new', orderId, continued: false, lease };

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
    "UPDATE idempotency_keys SET locked_until = now() + $3 * interval '1 millisecond', lease = $4 WHERE user_id = $1 AND key = $2 AND state = 'IN_PROGRESS' AND locked_until <= now() RETURNING order_id",
    [userId, key, leaseMs, lease.id],
  );
  if (taken.rows[0]) return { kind: 'new', orderId: taken.rows[0].order_id, continued: true, lease };
  throw requestInProgress();
}

/** The stored response of a completed key, if it is completed. */
export async function storedResponse(pool: Pool, userId: string, key: string): Promise<StoredResponse | undefined> {
  const { rows } = await pool.query<{ response: StoredResponse | null }>("SELECT response FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND state = 'COMPLETED'", [userId, key]);
  return rows[0]?.response ?? undefined;
}

/** 409 for a key another request holds: retry shortly. */
export function requestInProgress(): ConflictError {
  return new ConflictError('request_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly.', { headers: { 'retry-after': '1' } });
}

/**
 * Stores the response of a completed request, in the transaction that completed it. Whoever places the
 * key's order completes the key, lease or not: the order id is the key's either way.
 */
export async function completeKey(db: PoolClient, lease: Lease, response: StoredResponse): Promise<void> {
  await db.query("UPDATE idempotency_keys SET state = 'COMPLETED', response = $3, locked_until = NULL, lease = NULL WHERE user_id = $1 AND key = $2", [
    lease.userId,
    lease.key,
    JSON.stringify(response),
  ]);
}

/** Forgets a key whose request failed before anything was reserved, so a retry runs afresh (only while the lease is ours). */
export async function releaseKey(pool: Pool, lease: Lease): Promise<void> {
  await pool.query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND state = 'IN_PROGRESS' AND lease = $3", [lease.userId, lease.key, lease.id]);
}

/** Gives the lease back but keeps the key's order id: its reservation may exist, and a retry must find it. */
export async function keepKey(pool: Pool, lease: Lease): Promise<void> {
  await pool.query("UPDATE idempotency_keys SET locked_until = now() WHERE user_id = $1 AND key = $2 AND state = 'IN_PROGRESS' AND lease = $3", [lease.userId, lease.key, lease.id]);
}

/**
 * Moves the key to a fresh order id: its old reservation ended (expired or released) before the order
 * was placed. Undefined when the lease is no longer ours (another request continues the key).
 */
export async function renewOrderId(pool: Pool, lease: Lease): Promise<string | undefined> {
  const orderId = randomUUID();
  const moved = await pool.query("UPDATE idempotency_keys SET order_id = $4 WHERE user_id = $1 AND key = $2 AND state = 'IN_PROGRESS' AND lease = $3", [
    lease.userId,
    lease.key,
    lease.id,
    orderId,
  ]);
  return moved.rowCount === 1 ? orderId : undefined;
}
