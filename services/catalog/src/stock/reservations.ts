import { AppError, ConflictError } from '@switchyard/kit/errors';
import { withTransaction, type Pool, type PoolClient } from '@switchyard/kit/postgres';
import { normaliseLines, reservedLines, returnStock, sameLines, takeStock, type StockLine } from './stock-lines.js';

export type { StockLine } from './stock-lines.js';

/**
 * RESERVED holds the units until expiresAt (Try); COMMITTED is sold (Confirm, on order.paid);
 * RELEASED was given back by a cancel (Cancel) and EXPIRED by the sweeper.
 */
export type ReservationStatus = 'RESERVED' | 'COMMITTED' | 'RELEASED' | 'EXPIRED';

export interface Reservation {
  orderId: string;
  items: StockLine[];
  status: ReservationStatus;
  /** Infinity for a reservation made before reservations expired (node-postgres reads 'infinity' so). */
  expiresAt: Date | number;
  /** True when this call reserved the units (false for a repeat). */
  created: boolean;
}

interface ReservationRow {
  status: ReservationStatus;
  expires_at: Date | number;
}

async function lockReservation(db: PoolClient, orderId: string): Promise<ReservationRow | undefined> {
  const { rows } = await db.query<ReservationRow>('SELECT status, expires_at FROM reservations WHERE order_id = $1 FOR UPDATE', [orderId]);
  return rows[0];
}

/**
 * Reserves every line or none, in one transaction, holding the units for holdMs. The reservations row
 * makes the call idempotent per order id: a repeat returns the reservation, renewing the hold while it
 * is RESERVED (a retried order placement continues with the same reservation), or its final state;
 * it never reserves a second time, also not after a release that came first (a tombstone).
 */
export async function reserveStock(pool: Pool, orderId: string, requested: readonly StockLine[], holdMs: number): Promise<Reservation> {
  const lines = normaliseLines(requested);
  return withTransaction(pool, async (db) => {
    // A concurrent call for the same order waits here until the first commits, then sees its row.
    const inserted = await db.query<{ expires_at: Date | number }>(
      "INSERT INTO reservations (order_id, status, expires_at) VALUES ($1, 'RESERVED', now() + $2 * interval '1 millisecond') ON CONFLICT (order_id) DO NOTHING RETURNING expires_at",
      [orderId, holdMs],
    );
    if (inserted.rowCount === 0) return repeat(db, orderId, lines, holdMs);
    await takeStock(db, lines);
    for (const line of lines) {
      await db.query('INSERT INTO reservation_items (order_id, product_id, quantity) VALUES ($1, $2, $3)', [orderId, line.productId, line.quantity]);
    }
    return { orderId, items: lines, status: 'RESERVED', expiresAt: inserted.rows[0]!.expires_at, created: true };
  });
}

async function repeat(db: PoolClient, orderId: string, lines: StockLine[], holdMs: number): Promise<Reservation> {
  const existing = (await lockReservation(db, orderId))!;
  const items = await reservedLines(db, orderId);
  const tombstone = items.length === 0;
  if (!tombstone && !sameLines(items, lines)) {
    throw new ConflictError('reservation_mismatch', `Order ${orderId} already reserved other items.`);
  }
  let expiresAt = existing.expires_at;
  if (existing.status === 'RESERVED') {
    const renewed = await db.query<{ expires_at: Date | number }>(
      "UPDATE reservations SET expires_at = greatest(expires_at, now() + $2 * interval '1 millisecond') WHERE order_id = $1 RETURNING expires_at",
      [orderId, holdMs],
    );
    expiresAt = renewed.rows[0]!.expires_at;
  }
  return { orderId, items, status: existing.status, expiresAt, created: false };
}

/** What a release did: returned the units, found them returned already, or found no reservation (and left a tombstone). */
export type ReleaseOutcome = 'RELEASED' | 'ALREADY_RELEASED' | 'NOTHING_RESERVED';

/** Returns the reserved units to stock exactly once; repeats report ALREADY_RELEASED. */
export function releaseStock(pool: Pool, orderId: string): Promise<{ outcome: ReleaseOutcome; items: StockLine[] }> {
  return withTransaction(pool, (db) => releaseStockIn(db, orderId));
}

/**
 * releaseStock inside the caller's transaction (the event consumer adds its inbox row to it). A
 * release for an order without a reservation is not lost: it leaves a tombstone (RELEASED, no items),
 * so a ReserveStock that was still on its way reserves nothing afterwards.
 */
export async function releaseStockIn(db: PoolClient, orderId: string): Promise<{ outcome: ReleaseOutcome; items: StockLine[] }> {
  let row = await lockReservation(db, orderId);
  if (!row) {
    const tombstone = await db.query(
      "INSERT INTO reservations (order_id, status, expires_at, released_at) VALUES ($1, 'RELEASED', now(), now()) ON CONFLICT (order_id) DO NOTHING",
      [orderId],
    );
    if (tombstone.rowCount === 1) return { outcome: 'NOTHING_RESERVED', items: [] };
    // A ReserveStock committed meanwhile (the insert waited for it): release that reservation.
    row = (await lockReservation(db, orderId))!;
  }
  if (row.status === 'COMMITTED') throw new ConflictError('reservation_committed', `The reservation of order ${orderId} was confirmed (the order is paid).`);
  if (row.status !== 'RESERVED') return { outcome: 'ALREADY_RELEASED', items: [] };
  return { outcome: 'RELEASED', items: await giveBack(db, orderId, 'RELEASED') };
}

/** Ends a locked RESERVED reservation and puts its units back on the stock. */
async function giveBack(db: PoolClient, orderId: string, status: 'RELEASED' | 'EXPIRED'): Promise<StockLine[]> {
  await db.query('UPDATE reservations SET status = $2, released_at = now() WHERE order_id = $1', [orderId, status]);
  const items = await reservedLines(db, orderId);
  await returnStock(db, items);
  return items;
}

/** What a confirm did: committed the reservation, found it committed, or took its units again after it had expired. */
export type ConfirmOutcome = 'COMMITTED' | 'ALREADY_COMMITTED' | 'RETAKEN';

/**
 * Confirms the reservation of a paid order (COMMITTED: the units are sold and never come back). A
 * confirm that arrives after the sweeper expired the reservation (order.paid held up longer than the
 * hold's margin) takes the units again if they are still there; if they are not, or the reservation
 * was released, the paid order has no stock: that fails for good with reservation_lapsed (the message
 * is parked for a person, and the consistency check reports the order).
 */
export async function confirmReservationIn(db: PoolClient, orderId: string): Promise<ConfirmOutcome> {
  const row = await lockReservation(db, orderId);
  if (row?.status === 'COMMITTED') return 'ALREADY_COMMITTED';
  const lapsed = (why: string) => new AppError(422, 'reservation_lapsed', `Order ${orderId} was paid, but ${why}.`);
  if (!row) throw lapsed('it never reserved stock');
  if (row.status === 'RELEASED') throw lapsed('its reservation was released');
  if (row.status === 'EXPIRED') {
    // A failure here rolls the caller's transaction back, with whatever lines were taken already.
    await takeStock(db, await reservedLines(db, orderId)).catch((err: unknown) => {
      throw err instanceof AppError ? lapsed(`its reservation expired and the stock is gone (${err.message})`) : err;
    });
  }
  await db.query("UPDATE reservations SET status = 'COMMITTED', committed_at = now() WHERE order_id = $1", [orderId]);
  return row.status === 'EXPIRED' ? 'RETAKEN' : 'COMMITTED';
}

/**
 * Gives back the units of reservations nobody confirmed or released before they expired, one per
 * transaction (so the product locks of two reservations are never held together), at most `limit`.
 * Replicas may sweep at the same time: SKIP LOCKED hands each expired reservation to one of them.
 */
export async function expireReservations(pool: Pool, limit = 100): Promise<StockLine[][]> {
  const expired: StockLine[][] = [];
  for (let i = 0; i < limit; i++) {
    const items = await withTransaction(pool, async (db) => {
      const { rows } = await db.query<{ order_id: string }>(
        "SELECT order_id FROM reservations WHERE status = 'RESERVED' AND expires_at < now() ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED",
      );
      return rows[0] ? giveBack(db, rows[0].order_id, 'EXPIRED') : undefined;
    });
    if (!items) break;
    expired.push(items);
  }
  return expired;
}
