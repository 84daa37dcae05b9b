import { UnavailableError } from '@switchyard/kit/errors';
import { withTransaction } from '@switchyard/kit/postgres';
import { decide, expiry, type OrderingContext } from './decisions.js';
import { loadState } from './event-store.js';
import type { OrderState } from './order.js';
import { askPayments, paidOrExpired } from './payment-outcome.js';

/** Payments could not say whether an order was charged: the order waits for the next sweep. */
export class ChargeOutcomeUnknownError extends UnavailableError {
  constructor(orderId: string, cause: unknown) {
    super('payment_outcome_unknown', `Payments could not say whether order ${orderId} was charged; retry shortly.`, { cause, headers: { 'retry-after': '1' } });
  }
}

/**
 * Ends an order past its time to pay, never blindly: if a charge was requested, payments is asked;
 * a charge that succeeded completes the order (OrderPaid), anything else expires it (OrderExpired,
 * and payments voids or refunds when it consumes order.expired). A charge requested less than its
 * deadline ago may still be running: the order is left for the next sweep. Throws
 * ChargeOutcomeUnknownError when payments cannot answer.
 */
export function settleOverdue(ctx: OrderingContext, state: OrderState): Promise<OrderState> {
  const { id } = state.order;
  return decide(ctx, state, async (current) => {
    if (current.order.status !== 'PENDING_PAYMENT') return { keep: true };
    if (current.chargeRequestedAt) {
      if (Date.now() < Date.parse(current.chargeRequestedAt) + ctx.settings.paymentDeadlineMs) return { keep: true };
      const outcome = await askPayments(ctx, id);
      if (outcome.kind === 'unknown') throw new ChargeOutcomeUnknownError(id, outcome.error);
      if (outcome.kind === 'charged') return paidOrExpired(ctx, current, outcome.payment);
    }
    return expiry(current);
  });
}

/**
 * The expiry sweep: settles unpaid orders past their time to pay, at most `limit` per run. One replica
 * sweeps at a time (a transaction-scoped advisory lock held for the sweep); each order is settled in
 * its own transaction with the same optimistic append as every other change. Once payments could not
 * answer, orders waiting on a charge outcome are left for the next sweep.
 */
export async function expireOverdue(ctx: OrderingContext, limit = 100): Promise<{ expired: number; paid: number; waiting: number }> {
  const counts = { expired: 0, paid: 0, waiting: 0 };
  await withTransaction(ctx.pool, async (lock) => {
    const { rows: locked } = await lock.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock(7420190002) AS locked');
    if (!locked[0]!.locked) return;
    const { rows } = await lock.query<{ id: string }>(
      "SELECT id FROM orders WHERE status = 'PENDING_PAYMENT' AND created_at < now() - $1 * interval '1 millisecond' ORDER BY created_at LIMIT $2",
      [ctx.settings.orderTtlMs, limit],
    );
    let paymentsSilent = false;
    for (const { id } of rows) {
      const state = (await loadState(ctx.pool, id))!;
      if (paymentsSilent && state.chargeRequestedAt) {
        counts.waiting += 1;
        continue;
      }
      try {
        const settled = await settleOverdue(ctx, state);
        if (settled.order.status === 'EXPIRED') counts.expired += 1;
        else if (settled.order.status === 'PAID') counts.paid += 1;
        else if (settled.order.status === 'PENDING_PAYMENT') counts.waiting += 1;
      } catch (err) {
        if (!(err instanceof ChargeOutcomeUnknownError)) throw err;
        ctx.log.warn({ err, orderId: id }, 'not expiring an order whose charge outcome is unknown');
        paymentsSilent = true;
        counts.waiting += 1;
      }
    }
  });
  if (counts.expired + counts.paid > 0) ctx.log.info(counts, 'overdue orders settled');
  return counts;
}
