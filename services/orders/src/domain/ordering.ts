import type { TraceHeaders } from '@switchyard/contracts/events';
import { NotFoundError } from '@switchyard/kit/errors';
import { cancelOrder } from './cancel-order.js';
import type { OrderingContext } from './decisions.js';
import { loadState } from './event-store.js';
import { expireOverdue } from './expire-orders.js';
import type { StoredResponse } from './idempotency.js';
import type { Order, OrderState } from './order.js';
import { payOrder, type Card } from './pay-order.js';
import { placeOrder } from './place-order.js';

export type { OrderingSettings } from './decisions.js';
export type { Card } from './pay-order.js';

/** Who is asking, the trace to carry into events, and the deadline of the calls made for the request. */
export interface Caller {
  userId: string;
  requestId: string;
  trace: TraceHeaders;
  deadline?: Date | undefined;
}

/** The order saga: place (reserve stock), pay (charge), cancel, expire; one file per decision. */
export class Ordering {
  constructor(private readonly ctx: OrderingContext) {}

  /** POST /orders (see placeOrder). */
  place(caller: Caller, key: string, items: Array<{ productId: string; quantity: number }>): Promise<StoredResponse> {
    return placeOrder(this.ctx, caller, key, items);
  }

  /** POST /orders/{id}/pay (see payOrder). */
  async pay(caller: Caller, orderId: string, card: Card): Promise<Order> {
    return payOrder(this.ctx, caller, await this.ownState(caller, orderId), card);
  }

  /** POST /orders/{id}/cancel (see cancelOrder). */
  async cancel(caller: Caller, orderId: string): Promise<Order> {
    return cancelOrder(this.ctx, caller, await this.ownState(caller, orderId));
  }

  /** One expiry sweep (see expireOverdue). */
  expireOverdue(limit?: number): Promise<{ expired: number; paid: number; waiting: number }> {
    return expireOverdue(this.ctx, limit);
  }

  /** The order's state if it belongs to the caller; 404 otherwise (others' orders do not exist for them). */
  private async ownState(caller: Caller, orderId: string): Promise<OrderState> {
    const state = await loadState(this.ctx.pool, orderId);
    if (!state || state.userId !== caller.userId) throw new NotFoundError('order_not_found', `No order with id ${orderId}.`);
    return state;
  }
}
