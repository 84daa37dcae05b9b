import { ConflictError } from '@switchyard/kit/errors';

export type OrderStatus = 'PENDING_PAYMENT' | 'PAID' | 'CANCELLED' | 'EXPIRED';

export interface OrderLine {
  productId: string;
  quantity: number;
  /** Unit price from catalog at the time of ordering. */
  priceCents: number;
}

/** The events of an order, in the event store and the history API. */
export type OrderEvent =
  | { type: 'OrderPlaced'; data: { userId: string; items: OrderLine[]; totalCents: number; currency: string; reservationExpiresAt?: string } }
  | { type: 'OrderPaymentRequested'; data: Record<string, never> }
  | { type: 'OrderPaid'; data: { paymentId: string; cardBrand: string; cardLast4: string } }
  | { type: 'OrderPaymentDeclined'; data: { reason: string } }
  | { type: 'OrderCancelled'; data: Record<string, never> }
  | { type: 'OrderExpired'; data: Record<string, never> };

/** An order as the API shows it. */
export interface Order {
  id: string;
  status: OrderStatus;
  items: OrderLine[];
  totalCents: number;
  currency: string;
  createdAt: string;
}

/** The state rebuilt from the events: the order plus what only the server needs. */
export interface OrderState {
  order: Order;
  userId: string;
  version: number;
  /**
   * When the last Charge was requested, while the order is unpaid: from then on a charge may exist
   * that orders never heard of (a lost reply), so the order is not cancelled or expired without asking
   * payments first.
   */
  chargeRequestedAt?: string | undefined;
  /** When catalog gives the order's stock back unless order.paid confirmed it (absent on old orders). */
  reservationExpiresAt?: string | undefined;
}

/** Folds one event into the state (the only place that knows what an event does). */
export function evolve(state: OrderState | undefined, event: OrderEvent, orderId: string, at: string): OrderState {
  if (event.type === 'OrderPlaced') {
    const { userId, totalCents, currency, reservationExpiresAt } = event.data;
    // A fixed member order, whatever order the stored JSON came back in.
    const items = event.data.items.map(({ productId, quantity, priceCents }) => ({ productId, quantity, priceCents }));
    return { userId, version: 1, reservationExpiresAt, order: { id: orderId, status: 'PENDING_PAYMENT', items, totalCents, currency, createdAt: at } };
  }
  if (!state) throw new Error(`${event.type} before OrderPlaced for ${orderId}`);
  const next = { ...state, version: state.version + 1 };
  switch (event.type) {
    case 'OrderPaymentRequested':
      return { ...next, chargeRequestedAt: at };
    case 'OrderPaymentDeclined':
      // A decline does not settle the question: another attempt may have been charged meanwhile.
      return next;
    case 'OrderPaid':
      return { ...next, chargeRequestedAt: undefined, order: { ...state.order, status: 'PAID' } };
    case 'OrderCancelled':
      return { ...next, chargeRequestedAt: undefined, order: { ...state.order, status: 'CANCELLED' } };
    case 'OrderExpired':
      return { ...next, chargeRequestedAt: undefined, order: { ...state.order, status: 'EXPIRED' } };
  }
}

/** Refuses a change unless the order is still waiting for payment. */
export function requirePending(state: OrderState, action: 'paid' | 'cancelled'): void {
  if (state.order.status !== 'PENDING_PAYMENT') throw notPending(state, action);
}

/** The 409 for an order that is no longer waiting for payment. */
export function notPending(state: OrderState, action: 'paid' | 'cancelled'): ConflictError {
  return new ConflictError(action === 'paid' ? 'order_not_payable' : 'order_not_cancellable', `Order ${state.order.id} is ${state.order.status} and cannot be ${action}.`, {
    extensions: { orderStatus: state.order.status },
  });
}
