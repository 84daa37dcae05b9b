import { buildEvent, type AnyEvent, type TraceHeaders } from '@switchyard/contracts/events';
import type { Failpoints } from '@switchyard/kit/failpoints';
import type { Logger } from '@switchyard/kit/log';
import { withTransaction, type Pool, type PoolClient } from '@switchyard/kit/postgres';
import type { Dependencies } from '../dependencies/clients.js';
import { ConcurrentUpdateError, append, loadState } from './event-store.js';
import type { OrderEvent, OrderState } from './order.js';

export const SOURCE = '/switchyard/orders';

/** The failpoint between a decision's commit (its events and outbox rows) and anything after it. */
export const DECISION_AFTER_COMMIT = 'orders.decision.after-commit';

export interface OrderingSettings {
  /** Unpaid orders older than this expire; a pay is refused after it. */
  orderTtlMs: number;
  /** Deadline of a Charge: a charge requested longer ago than this is no longer running. */
  paymentDeadlineMs: number;
  /** How much longer than orderTtlMs catalog holds an order's stock; half of it is left for order.paid to reach catalog. */
  reservationMarginMs: number;
  /** The lease of an Idempotency-Key on the request working on it. */
  idempotencyTakeoverMs: number;
}

/** What every decision needs: the event store, the services it asks, and the settings. */
export interface OrderingContext {
  pool: Pool;
  deps: Dependencies;
  log: Logger;
  settings: OrderingSettings;
  failpoints: Failpoints;
}

/** A change to an order (its event, and its public event if it has one), or none. */
export type Decision = { event: OrderEvent; publish?: AnyEvent } | { keep: true };

/** Commits one decision's transaction. */
export async function commitDecision<T>(ctx: OrderingContext, work: (db: PoolClient) => Promise<T>): Promise<T> {
  const result = await withTransaction(ctx.pool, work);
  await ctx.failpoints.hit(DECISION_AFTER_COMMIT);
  return result;
}

/**
 * Decides on the state and appends the decision at the next version; when another writer appended
 * first, reloads and decides again on the fresh state. Resolves with the state after the decision.
 */
export async function decide(ctx: OrderingContext, state: OrderState, choose: (current: OrderState) => Decision | Promise<Decision>, trace: TraceHeaders = {}): Promise<OrderState> {
  let current = state;
  for (;;) {
    const decision = await choose(current);
    if ('keep' in decision) return current;
    try {
      return await commitDecision(ctx, (db) => append(db, current.order.id, current, decision.event, decision.publish, trace));
    } catch (err) {
      if (!(err instanceof ConcurrentUpdateError)) throw err;
      current = (await loadState(ctx.pool, current.order.id))!;
    }
  }
}

/** OrderExpired, published as order.expired: catalog releases the stock, payments refunds or voids. */
export function expiry(state: OrderState): Decision {
  const { id } = state.order;
  return { event: { type: 'OrderExpired', data: {} }, publish: buildEvent('order.expired', SOURCE, { orderId: id, userId: state.userId }, id) };
}

/** True once an order is past its time to pay. */
export function overdue(ctx: OrderingContext, state: OrderState): boolean {
  return Date.now() >= Date.parse(state.order.createdAt) + ctx.settings.orderTtlMs;
}
