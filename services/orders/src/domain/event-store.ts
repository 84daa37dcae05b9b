import { outboxMessage, type AnyEvent, type TraceHeaders } from '@switchyard/contracts/events';
import { ConflictError } from '@switchyard/kit/errors';
import { enqueueOutbox } from '@switchyard/kit/outbox';
import { isUniqueViolation, type Pool, type PoolClient } from '@switchyard/kit/postgres';
import { evolve, type OrderEvent, type OrderState } from './order.js';

/** Another writer appended to the order first; reload and decide again. */
export class ConcurrentUpdateError extends ConflictError {
  constructor(orderId: string) {
    super('concurrent_update', `Order ${orderId} was changed by another request; try again.`);
  }
}

type Queryable = Pool | PoolClient;

interface EventRow {
  seq: number;
  type: OrderEvent['type'];
  data: OrderEvent['data'];
  at: Date;
}

/** The order's events in order (its history). */
export async function readEvents(db: Queryable, orderId: string): Promise<Array<{ seq: number; type: string; at: string; data: unknown }>> {
  const { rows } = await db.query<EventRow>('SELECT seq, type, data, at FROM order_events WHERE order_id = $1 ORDER BY seq', [orderId]);
  return rows.map((r) => ({ seq: r.seq, type: r.type, at: r.at.toISOString(), data: r.data }));
}

/** Rebuilds an order from its events (the source of truth); undefined when it has none. */
export async function loadState(db: Queryable, orderId: string): Promise<OrderState | undefined> {
  const { rows } = await db.query<EventRow>('SELECT seq, type, data, at FROM order_events WHERE order_id = $1 ORDER BY seq', [orderId]);
  let state: OrderState | undefined;
  for (const row of rows) state = evolve(state, { type: row.type, data: row.data } as OrderEvent, orderId, row.at.toISOString());
  return state;
}

/**
 * Appends one event at the expected version, in the caller's transaction, and in that same
 * transaction updates the read model and adds the public event (if the change has one) to the
 * outbox. A concurrent append of the same version fails on the primary key: ConcurrentUpdateError.
 */
export async function append(
  db: PoolClient,
  orderId: string,
  current: OrderState | undefined,
  event: OrderEvent,
  publish: AnyEvent | undefined,
  trace: TraceHeaders,
): Promise<OrderState> {
  const version = current?.version ?? 0;
  let at: Date;
  try {
    // A savepoint keeps the caller's transaction usable after a conflict.
    await db.query('SAVEPOINT append_event');
    const { rows } = await db.query<{ at: Date }>('INSERT INTO order_events (order_id, seq, type, data) VALUES ($1, $2, $3, $4) RETURNING at', [
      orderId,
      version + 1,
      event.type,
      JSON.stringify(event.data),
    ]);
    at = rows[0]!.at;
  } catch (err) {
    await db.query('ROLLBACK TO SAVEPOINT append_event');
    if (isUniqueViolation(err)) throw new ConcurrentUpdateError(orderId);
    throw err;
  }
  const next = evolve(current, event, orderId, at.toISOString());
  const { order, userId } = next;
  await db.query(
    `INSERT INTO orders (id, user_id, status, items, total_cents, currency, version, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at`,
    [order.id, userId, order.status, JSON.stringify(order.items), order.totalCents, order.currency, next.version, order.createdAt, at.toISOString()],
  );
  if (publish) await enqueueOutbox(db, outboxMessage(publish, trace));
  return next;
}
