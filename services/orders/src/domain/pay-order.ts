import { buildEvent } from '@switchyard/contracts/events';
import { AppError, ConflictError } from '@switchyard/kit/errors';
import { SOURCE, decide, overdue, type OrderingContext } from './decisions.js';
import { settleOverdue } from './expire-orders.js';
import { notPending, requirePending, type Order, type OrderState } from './order.js';
import type { Caller } from './ordering.js';
import { recordPaid } from './payment-outcome.js';

const DECLINE_REASONS = new Set(['card_declined', 'insufficient_funds']);

export interface Card {
  number: string;
  expiry: string;
  cvc: string;
}

/**
 * Pays an order with a card. OrderPaymentRequested is appended before payments.Charge is called, so
 * whatever happens to the reply, the order is never cancelled or expired without asking payments.
 * Charge is idempotent by order id, so however many pays race there is one charge; the appends race
 * on the event version, so there is one OrderPaid. A decline is recorded (OrderPaymentDeclined) and
 * answered with 402; the order stays payable. A lost reply (timeout, outage) answers 503/504 and is
 * settled later. If the order was cancelled or expired while the charge ran, payments refunds it when
 * it consumes that event.
 */
export async function payOrder(ctx: OrderingContext, caller: Caller, state: OrderState, card: Card): Promise<Order> {
  requirePending(state, 'paid');
  const { order } = state;
  if (overdue(ctx, state)) {
    const settled = await settleOverdue(ctx, state);
    if (settled.order.status === 'PAID') return settled.order;
    throw new ConflictError('order_not_payable', `Order ${order.id} is past its time to pay.`, { extensions: { orderStatus: settled.order.status } });
  }
  const requested = await decide(
    ctx,
    state,
    (current) => {
      requirePending(current, 'paid');
      return { event: { type: 'OrderPaymentRequested', data: {} } };
    },
    caller.trace,
  );

  let payment;
  try {
    payment = await ctx.deps.payments.call(
      'Charge',
      { orderId: order.id, amountCents: order.totalCents, currency: order.currency, card },
      { deadlineMs: ctx.settings.paymentDeadlineMs, requestId: caller.requestId, deadline: caller.deadline },
    );
  } catch (err) {
    if (err instanceof AppError && DECLINE_REASONS.has(err.code)) {
      await recordDecline(ctx, caller, requested, err.code);
      throw new AppError(402, err.code, err.message, { extensions: { reason: err.code } });
    }
    throw err;
  }
  const paid = await recordPaid(ctx, requested, payment, caller.trace);
  if (paid.order.status !== 'PAID') throw notPending(paid, 'paid');
  ctx.log.info({ orderId: order.id, paymentId: payment.id }, 'order paid');
  return paid.order;
}

function recordDecline(ctx: OrderingContext, caller: Caller, state: OrderState, reason: string): Promise<OrderState> {
  const { id } = state.order;
  return decide(
    ctx,
    state,
    // A change that won the race (paid with another card, cancelled) stands; the decline is still answered.
    (current) =>
      current.order.status !== 'PENDING_PAYMENT'
        ? { keep: true }
        : {
            event: { type: 'OrderPaymentDeclined', data: { reason } },
            publish: buildEvent('order.payment_declined', SOURCE, { orderId: id, userId: current.userId, reason }, id),
          },
    caller.trace,
  );
}
