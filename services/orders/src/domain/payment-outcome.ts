import { buildEvent, type TraceHeaders } from '@switchyard/contracts/events';
import type { Payment } from '@switchyard/contracts/grpc-contracts';
import { AppError } from '@switchyard/kit/errors';
import { SOURCE, decide, expiry, type Decision, type OrderingContext } from './decisions.js';
import type { OrderState } from './order.js';

/** What payments says became of an order's charge; unknown when it cannot be asked right now. */
export type ChargeOutcome = { kind: 'charged'; payment: Payment } | { kind: 'not_charged' } | { kind: 'unknown'; error: unknown };

/** Asks payments (GetPayment, with the default deadline) whether the order was charged. */
export async function askPayments(ctx: OrderingContext, orderId: string): Promise<ChargeOutcome> {
  try {
    const payment = await ctx.deps.payments.call('GetPayment', { orderId });
    return payment.status === 'PAYMENT_STATUS_SUCCEEDED' ? { kind: 'charged', payment } : { kind: 'not_charged' };
  } catch (err) {
    if (err instanceof AppError && err.code === 'payment_not_found') return { kind: 'not_charged' };
    return { kind: 'unknown', error: err };
  }
}

/**
 * The decision for a pending order that was charged: OrderPaid (order.paid makes catalog confirm the
 * reservation), unless the reservation is too close to its expiry for order.paid to reach catalog in
 * time; then OrderExpired, and payments refunds the charge when it consumes order.expired.
 */
export function paidOrExpired(ctx: OrderingContext, state: OrderState, payment: Payment): Decision {
  const { order, userId, reservationExpiresAt } = state;
  const confirmable = !reservationExpiresAt || Date.now() < Date.parse(reservationExpiresAt) - ctx.settings.reservationMarginMs / 2;
  if (!confirmable) {
    ctx.log.warn({ orderId: order.id, reservationExpiresAt }, 'charged too late for the stock reservation: expiring the order, payments refunds');
    return expiry(state);
  }
  return {
    event: { type: 'OrderPaid', data: { paymentId: payment.id, cardBrand: payment.cardBrand, cardLast4: payment.cardLast4 } },
    publish: buildEvent('order.paid', SOURCE, { orderId: order.id, userId, totalCents: order.totalCents, currency: order.currency, paymentId: payment.id }, order.id),
  };
}

/** Records a charge that succeeded against the newest version of the order (once, whatever races). */
export function recordPaid(ctx: OrderingContext, state: OrderState, payment: Payment, trace: TraceHeaders): Promise<OrderState> {
  return decide(ctx, state, (current) => (current.order.status === 'PENDING_PAYMENT' ? paidOrExpired(ctx, current, payment) : { keep: true }), trace);
}
