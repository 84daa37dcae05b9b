import type { Pool } from '@switchyard/kit/postgres';
import { keysetCursor } from '@switchyard/kit/validate';
import type { Order, OrderLine, OrderStatus } from './order.js';

interface Row {
  id: string;
  status: OrderStatus;
  items: OrderLine[];
  total_cents: string;
  currency: string;
  created_at: Date;
}

const toOrder = (r: Row): Order => ({
  id: r.id,
  status: r.status,
  items: r.items.map(({ productId, quantity, priceCents }) => ({ productId, quantity, priceCents })),
  totalCents: Number(r.total_cents),
  currency: r.currency,
  createdAt: r.created_at.toISOString(),
});

/** A user's order from the read model, or undefined (also when it belongs to someone else). */
export async function findOwnOrder(pool: Pool, userId: string, orderId: string): Promise<Order | undefined> {
  const { rows } = await pool.query<Row>('SELECT id, status, items, total_cents, currency, created_at FROM orders WHERE id = $1 AND user_id = $2', [orderId, userId]);
  return rows[0] && toOrder(rows[0]);
}

/** A user's orders, newest first, in keyset pages. */
export async function listOwnOrders(pool: Pool, userId: string, limit: number, cursor?: string): Promise<{ items: Order[]; nextCursor: string | null }> {
  const decoded = cursor ? keysetCursor.decode(cursor, (at) => !Number.isNaN(Date.parse(at))) : undefined;
  const after = decoded && [decoded.key, decoded.id];
  const { rows } = after
    ? await pool.query<Row>(
        'SELECT id, status, items, total_cents, currency, created_at FROM orders WHERE user_id = $1 AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT $4',
        [userId, after[0], after[1], limit + 1],
      )
    : await pool.query<Row>('SELECT id, status, items, total_cents, currency, created_at FROM orders WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2', [userId, limit + 1]);
  const items = rows.slice(0, limit).map(toOrder);
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { items, nextCursor: last ? keysetCursor.encode(last.created_at.toISOString(), last.id) : null };
}
