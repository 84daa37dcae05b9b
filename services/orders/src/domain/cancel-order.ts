import { buildEvent } from '@switchyard/contracts/events';
import { SOURCE, decide, type OrderingContext } from './decisions.js';
import { notPending, requirePending, type Order, type OrderState } from './order.js';
import type { Caller } from './ordering.js';
import { askPayments, paidOrExpired } from './payment-outcome.js';

/**
 * Cancels an unpaid order; catalog releases its stock and payments voids it (or refunds a charge that
 * lands later) when they consume order.cancelled. If a charge was requested, payments is asked first:
 * an order that was in fact charged is completed as paid and the cancel is refused (409). When
 * payments cannot answer, the cancel goes ahead: the refund covers a charge that still lands.
 */
export async function cancelOrder(ctx: OrderingContext, caller: Caller, state: OrderState): Promise<Order> {
  const { id } = state.order;
  const after = await decide(
    ctx,
    state,
    async (current) => {
      if (current.order.status === 'CANCELLED') return { keep: true };
      requirePending(current, 'cancelled');
      if (current.chargeRequestedAt) {
        const outcome = await askPayments(ctx, id);
        if (outcome.kind === 'charged') return paidOrExpired(ctx, current, outcome.payment);
        if (outcome.kind === 'unknown') ctx.log.warn({ orderId: id, err: outcome.error }, 'cancelling without the charge outcome; payments refunds a late charge');
      }
      return { event: { type: 'OrderCancelled', data: {} }, publish: buildEvent('order.cancelled', SOURCE, { orderId: id, userId: current.userId }, id) };
    },
    caller.trace,
  );
  if (after.order.status !== 'CANCELLED') throw notPending(after, 'cancelled');
  ctx.log.info({ orderId: id }, 'order cancelled');
  return after.order;
}
