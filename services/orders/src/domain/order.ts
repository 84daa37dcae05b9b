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
  | { type: 'OrderPlaced'; data: { userId: string; items: OrderLine[]; totalCents: number; currency: string } }
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
}

/** Folds one event into the state (the only place that knows what an event does). */
export function evolve(state: OrderState | undefined, event: OrderEvent, orderId: string, at: string): OrderState {
  if (event.type === 'OrderPlaced') {
    const { userId, totalCents, currency } = event.data;
    // A fixed member order, whatever order the stored JSON came back in.
    const items = event.data.items.map(({ productId, quantity, priceCents }) => ({ productId, quantity, priceCents }));
    return { userId, version: 1, order: { id: orderId, status: 'PENDING_PAYMENT', items, totalCents, currency, createdAt: at } };
  }
  if (!state) throw new Error(`${event.type} before OrderPlaced for ${orderId}`);
  const status: Record<OrderEvent['type'], OrderStatus> = {
    OrderPlaced: 'PENDING_PAYMENT',
    OrderPaid: 'PAID',
    OrderPaymentDeclined: state.order.status,
    OrderCancelled: 'CANCELLED',
    OrderExpired: 'EXPIRED',
  };
  return { ...state, version: state.version + 1, order: { ...state.order, status: status[event.type] } };
}

/** Refuses a change unless the order is still waiting for payment. */
export function requirePending(state: OrderState, action: 'paid' | 'cancelled'): void {
  if (state.order.status !== 'PENDING_PAYMENT') {
    throw new ConflictError(action === 'paid' ? 'order_not_payable' : 'order_not_cancellable', `Order ${state.order.id} is ${state.order.status} and cannot be ${action}.`, {
      extensions: { orderStatus: state.order.status },
    });
  }
}
