import { ConflictError, NotFoundError } from '@switchyard/kit/errors';
import { withTransaction, type Pool, type PoolClient } from '@switchyard/kit/postgres';

/** One product line of a reservation. */
export interface StockLine {
  productId: string;
  quantity: number;
}

export interface Reservation {
  orderId: string;
  items: StockLine[];
  status: 'RESERVED' | 'RELEASED';
}

/** Merges repeated products and sorts by product id: the canonical form used for comparing and locking. */
export function normaliseLines(lines: readonly StockLine[]): StockLine[] {
  const merged = new Map<string, number>();
  for (const line of lines) merged.set(line.productId, (merged.get(line.productId) ?? 0) + line.quantity);
  return [...merged].map(([productId, quantity]) => ({ productId, quantity })).sort((a, b) => a.productId.localeCompare(b.productId));
}

async function reservedLines(db: PoolClient, orderId: string): Promise<StockLine[]> {
  const { rows } = await db.query<StockLine>(
    'SELECT product_id AS "productId", quantity FROM reservation_items WHERE order_id = $1 ORDER BY product_id',
    [orderId],
  );
  return rows;
}

const sameLines = (a: StockLine[], b: StockLine[]) =>
  a.length === b.length && a.every((line, i) => line.productId === b[i]!.productId && line.quantity === b[i]!.quantity);

/**
 * Reserves every line or none, in one transaction. Rows are decremented in product-id order with a
 * guarded UPDATE (`stock >= quantity`, re-checked under the row lock), so concurrent callers can
 * never oversell and never deadlock. The reservations row makes the call idempotent per order id.
 */
export async function reserveStock(pool: Pool, orderId: string, requested: readonly StockLine[]): Promise<Reservation> {
  const lines = normaliseLines(requested);
  return withTransaction(pool, async (db) => {
    // A concurrent call for the same order waits here until the first commits, then sees its row.
    const inserted = await db.query("INSERT INTO reservations (order_id, status) VALUES ($1, 'RESERVED') ON CONFLICT (order_id) DO NOTHING", [orderId]);
    if (inserted.rowCount === 0) {
      const existing = await db.query<{ status: Reservation['status'] }>('SELECT status FROM reservations WHERE order_id = $1', [orderId]);
      const items = await reservedLines(db, orderId);
      if (!sameLines(items, lines)) {
        throw new ConflictError('reservation_mismatch', `Order ${orderId} already reserved other items.`);
      }
      return { orderId, items, status: existing.rows[0]!.status };
    }

    const missing: string[] = [];
    const short: Array<{ productId: string; requested: number; available: number }> = [];
    for (const line of lines) {
      const updated = await db.query('UPDATE products SET stock = stock - $2, updated_at = now() WHERE id = $1 AND stock >= $2', [line.productId, line.quantity]);
      if (updated.rowCount === 1) continue;
      const current = await db.query<{ stock: number }>('SELECT stock FROM products WHERE id = $1', [line.productId]);
      if (current.rowCount === 0) missing.push(line.productId);
      else short.push({ productId: line.productId, requested: line.quantity, available: current.rows[0]!.stock });
    }
    if (missing.length > 0) {
      throw new NotFoundError('product_not_found', `Unknown products: ${missing.join(', ')}.`, { extensions: { productIds: missing } });
    }
    if (short.length > 0) {
      throw new ConflictError('insufficient_stock', `Not enough stock for ${short.length} of ${lines.length} items.`, { extensions: { items: short } });
    }
    for (const line of lines) {
      await db.query('INSERT INTO reservation_items (order_id, product_id, quantity) VALUES ($1, $2, $3)', [orderId, line.productId, line.quantity]);
    }
    return { orderId, items: lines, status: 'RESERVED' };
  });
}

export type ReleaseOutcome = 'RELEASED' | 'ALREADY_RELEASED';

/** Returns the reserved units to stock exactly once; repeats report ALREADY_RELEASED. */
export function releaseStock(pool: Pool, orderId: string): Promise<{ outcome: ReleaseOutcome; items: StockLine[] }> {
  return withTransaction(pool, (db) => releaseStockIn(db, orderId));
}

/** releaseStock inside the caller's transaction (the event consumer adds its inbox row to it). */
export async function releaseStockIn(db: PoolClient, orderId: string): Promise<{ outcome: ReleaseOutcome; items: StockLine[] }> {
  // The status guard, re-checked under the row lock, lets only one concurrent release through.
  const released = await db.query(
    "UPDATE reservations SET status = 'RELEASED', released_at = now() WHERE order_id = $1 AND status = 'RESERVED'",
    [orderId],
  );
  if (released.rowCount === 0) {
    const exists = await db.query('SELECT 1 FROM reservations WHERE order_id = $1', [orderId]);
    if (exists.rowCount === 0) throw new NotFoundError('reservation_not_found', `Order ${orderId} has no reservation.`);
    return { outcome: 'ALREADY_RELEASED', items: [] };
  }
  const items = await reservedLines(db, orderId);
  // Lock in product-id order, like reserveStock, so the two never deadlock.
  await db.query('SELECT 1 FROM products WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [items.map((i) => i.productId)]);
  for (const line of items) {
    await db.query('UPDATE products SET stock = stock + $2, updated_at = now() WHERE id = $1', [line.productId, line.quantity]);
  }
  return { outcome: 'RELEASED', items };
}
