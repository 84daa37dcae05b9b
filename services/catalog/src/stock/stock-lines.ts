import { ConflictError, NotFoundError } from '@switchyard/kit/errors';
import type { PoolClient } from '@switchyard/kit/postgres';

/** One product line of a reservation. */
export interface StockLine {
  productId: string;
  quantity: number;
}

/** Merges repeated products and sorts by product id: the canonical form used for comparing and locking. */
export function normaliseLines(lines: readonly StockLine[]): StockLine[] {
  const merged = new Map<string, number>();
  for (const line of lines) merged.set(line.productId, (merged.get(line.productId) ?? 0) + line.quantity);
  return [...merged].map(([productId, quantity]) => ({ productId, quantity })).sort((a, b) => a.productId.localeCompare(b.productId));
}

export const sameLines = (a: StockLine[], b: StockLine[]) =>
  a.length === b.length && a.every((line, i) => line.productId === b[i]!.productId && line.quantity === b[i]!.quantity);

/** The lines of an order's reservation, in product-id order. */
export async function reservedLines(db: PoolClient, orderId: string): Promise<StockLine[]> {
  const { rows } = await db.query<StockLine>(
    'SELECT product_id AS "productId", quantity FROM reservation_items WHERE order_id = $1 ORDER BY product_id',
    [orderId],
  );
  return rows;
}

/**
 * Takes every line off the stock or fails, inside the caller's transaction (which a failure must roll
 * back). Rows are decremented in product-id order with a guarded UPDATE (`stock >= quantity`,
 * re-checked under the row lock), so concurrent callers never oversell and never deadlock.
 */
export async function takeStock(db: PoolClient, lines: readonly StockLine[]): Promise<void> {
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
}

/** Puts the lines back on the stock, locking the products in id order like takeStock (so the two never deadlock). */
export async function returnStock(db: PoolClient, lines: readonly StockLine[]): Promise<void> {
  await db.query('SELECT 1 FROM products WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [lines.map((l) => l.productId)]);
  for (const line of lines) {
    await db.query('UPDATE products SET stock = stock + $2, updated_at = now() WHERE id = $1', [line.productId, line.quantity]);
  }
}
