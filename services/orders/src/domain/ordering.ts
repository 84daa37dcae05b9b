import { buildEvent, type TraceHeaders } from '@switchyard/contracts/events';
import { AppError, BadRequestError, NotFoundError } from '@switchyard/kit/errors';
import type { Logger } from '@switchyard/kit/log';
import { withTransaction, type Pool } from '@switchyard/kit/postgres';
import type { Dependencies } from '../dependencies/clients.js';
import { ConcurrentUpdateError, append, loadState } from './event-store.js';
import { claimKey, completeKey, releaseKey, requestHash, type StoredResponse } from './idempotency.js';
import { requirePending, type Order, type OrderLine, type OrderState } from './order.js';

const SOURCE = '/switchyard/orders';
const DECLINE_REASONS = new Set(['card_declined', 'insufficient_funds']);

export interface Card {
  number: string;
  expiry: string;
  cvc: string;
}

export interface OrderingSettings {
  paymentDeadlineMs: number;
  idempotencyTakeoverMs: number;
}

/** Who is asking, the trace to carry into events, and the deadline of the calls made for the request. */
export interface Caller {
  userId: string;
  requestId: string;
  trace: TraceHeaders;
  deadline?: Date | undefined;
}

/** The order saga: place (reserve stock), pay (charge), cancel, expire. */
export class Ordering {
  constructor(
    private readonly pool: Pool,
    private readonly deps: Dependencies,
    private readonly log: Logger,
    private readonly settings: OrderingSettings,
  ) {}

  /**
   * Places an order once per Idempotency-Key: checks the user, prices every line from catalog,
   * reserves the stock (all or nothing) and appends OrderPlaced. A repeat of the same request
   * answers the stored 201; a failure releases the key (and the reservation) so a retry runs afresh.
   */
  async place(caller: Caller, key: string, items: Array<{ productId: string; quantity: number }>): Promise<StoredResponse> {
    const claim = await claimKey(this.pool, caller.userId, key, requestHash(items), this.settings.idempotencyTakeoverMs);
    if (claim.kind === 'replay') return claim.response;
    const { orderId } = claim;
    let reserved = false;
    try {
      const call = { requestId: caller.requestId, deadline: caller.deadline };
      await this.deps.users.call('GetUser', { id: caller.userId }, call);
      const products = await Promise.all(items.map((item) => this.deps.catalog.call('GetProduct', { id: item.productId }, call)));
      const currencies = new Set(products.map((p) => p.currency));
      if (currencies.size > 1) throw new BadRequestError('mixed_currencies', 'All products of an order must share one currency.');
      // Prices always come from catalog, never from the client.
      const lines: OrderLine[] = items.map((item, i) => ({ productId: item.productId, quantity: item.quantity, priceCents: products[i]!.priceCents }));
      const totalCents = lines.reduce((sum, line) => sum + line.priceCents * line.quantity, 0);
      const currency = products[0]!.currency;

      const reservation = await this.deps.catalog.call('ReserveStock', { orderId, items }, call);
      reserved = true;
      if (reservation.status !== 'RESERVATION_STATUS_RESERVED') {
        throw new AppError(409, 'reservation_released', `The stock reservation of order ${orderId} was already released.`);
      }

      return await withTransaction(this.pool, async (db) => {
        const placed = await append(
          db,
          orderId,
          undefined,
          { type: 'OrderPlaced', data: { userId: caller.userId, items: lines, totalCents, currency } },
          buildEvent('order.placed', SOURCE, { orderId, userId: caller.userId, items: lines, totalCents, currency }, orderId),
          caller.trace,
        );
        const response = { status: 201, body: placed.order };
        await completeKey(db, caller.userId, key, response);
        this.log.info({ orderId, totalCents, lines: lines.length }, 'order placed');
        return response;
      });
    } catch (err) {
      if (reserved) {
        await this.deps.catalog.call('ReleaseStock', { orderId }).catch((releaseErr: unknown) => this.log.error({ err: releaseErr, orderId }, 'could not release the reservation of a failed order'));
      }
      await releaseKey(this.pool, caller.userId, key);
      throw err;
    }
  }

  /**
   * Pays an order with a card. payments.Charge is idempotent by order id, so however many pays race,
   * there is one charge; the appends race on the event version, so there is one OrderPaid. A decline
   * is recorded (OrderPaymentDeclined) and answered with 402; the order stays payable.
   */
  async pay(caller: Caller, orderId: string, card: Card): Promise<Order> {
    const state = await this.ownState(caller, orderId);
    requirePending(state, 'paid');
    const { order } = state;
    let payment;
    try {
      payment = await this.deps.payments.call(
        'Charge',
        { orderId, amountCents: order.totalCents, currency: order.currency, card },
        { deadlineMs: this.settings.paymentDeadlineMs, requestId: caller.requestId, deadline: caller.deadline },
      );
    } catch (err) {
      if (err instanceof AppError && DECLINE_REASONS.has(err.code)) {
        await this.recordDecline(caller, state, err.code);
        throw new AppError(402, err.code, err.message, { extensions: { reason: err.code } });
      }
      throw err;
    }
    // The charge is done (once, whatever races): record it against the latest version of the order.
    let current = state;
    for (;;) {
      try {
        const paid = await withTransaction(this.pool, (db) =>
          append(
            db,
            orderId,
            current,
            { type: 'OrderPaid', data: { paymentId: payment.id, cardBrand: payment.cardBrand, cardLast4: payment.cardLast4 } },
            buildEvent('order.paid', SOURCE, { orderId, userId: caller.userId, totalCents: order.totalCents, currency: order.currency, paymentId: payment.id }, orderId),
            caller.trace,
          ),
        );
        this.log.info({ orderId, paymentId: payment.id }, 'order paid');
        return paid.order;
      } catch (err) {
        if (!(err instanceof ConcurrentUpdateError)) throw err;
        current = (await loadState(this.pool, orderId))!;
        if (current.order.status === 'CANCELLED' || current.order.status === 'EXPIRED') {
          // Cancelled or expired while we charged: give the money back.
          await this.deps.payments.call('Refund', { orderId }).catch((refundErr: unknown) => this.log.error({ err: refundErr, orderId }, 'refund after a lost race failed'));
        }
        // PAID means another pay of the same (idempotent) charge won; PENDING means a decline raced in.
        requirePending(current, 'paid');
      }
    }
  }

  /** Cancels an unpaid order; catalog releases its stock when it consumes order.cancelled. */
  async cancel(caller: Caller, orderId: string): Promise<Order> {
    const state = await this.ownState(caller, orderId);
    if (state.order.status === 'CANCELLED') return state.order;
    requirePending(state, 'cancelled');
    const cancelled = await withTransaction(this.pool, (db) =>
      append(db, orderId, state, { type: 'OrderCancelled', data: {} }, buildEvent('order.cancelled', SOURCE, { orderId, userId: caller.userId }, orderId), caller.trace),
    );
    this.log.info({ orderId }, 'order cancelled');
    return cancelled.order;
  }

  /**
   * Expires unpaid orders older than ttlMs. Only one replica sweeps at a time (a transaction-scoped
   * advisory lock); each order is expired with the same optimistic append as every other change.
   */
  async expireOverdue(ttlMs: number, limit = 100): Promise<number> {
    return withTransaction(this.pool, async (db) => {
      const { rows: lock } = await db.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock(7420190002) AS locked');
      if (!lock[0]!.locked) return 0;
      const { rows } = await db.query<{ id: string }>(
        "SELECT id FROM orders WHERE status = 'PENDING_PAYMENT' AND created_at < now() - $1 * interval '1 millisecond' ORDER BY created_at LIMIT $2",
        [ttlMs, limit],
      );
      let expired = 0;
      for (const { id } of rows) {
        const state = (await loadState(db, id))!;
        if (state.order.status !== 'PENDING_PAYMENT') continue;
        try {
          await append(db, id, state, { type: 'OrderExpired', data: {} }, buildEvent('order.expired', SOURCE, { orderId: id, userId: state.userId }, id), {});
          expired += 1;
        } catch (err) {
          if (!(err instanceof ConcurrentUpdateError)) throw err; // paid or cancelled just now: leave it
        }
      }
      if (expired > 0) this.log.info({ expired }, 'unpaid orders expired');
      return expired;
    });
  }

  private async recordDecline(caller: Caller, state: OrderState, reason: string): Promise<void> {
    const { id } = state.order;
    try {
      await withTransaction(this.pool, (db) =>
        append(db, id, state, { type: 'OrderPaymentDeclined', data: { reason } }, buildEvent('order.payment_declined', SOURCE, { orderId: id, userId: caller.userId, reason }, id), caller.trace),
      );
    } catch (err) {
      // A concurrent change wins; the decline is still answered.
      if (!(err instanceof ConcurrentUpdateError)) throw err;
    }
  }

  /** The order's state if it belongs to the caller; 404 otherwise (others' orders do not exist for them). */
  private async ownState(caller: Caller, orderId: string): Promise<OrderState> {
    const state = await loadState(this.pool, orderId);
    if (!state || state.userId !== caller.userId) throw new NotFoundError('order_not_found', `No order with id ${orderId}.`);
    return state;
  }
}
