import type { AnyEvent } from '@switchyard/contracts/events';
import type { NewNotification } from './notification-store.js';

/** A money amount for people: 2450 EUR → "24.50 EUR". */
function money(cents: number, currency: string): string {
  return `${(cents / 100).toFixed(2)} ${currency}`;
}

/** The first block of an order id, enough for a person to tell orders apart. */
const short = (orderId: string) => orderId.slice(0, 8);

/** The notification an event becomes for its user (every event type the service consumes has one). */
export function notificationFor(event: AnyEvent): NewNotification {
  const base = { eventId: event.id };
  switch (event.type) {
    case 'user.registered':
      return { ...base, userId: event.data.userId, type: 'welcome', message: `Welcome to Switchyard, ${event.data.name}!` };
    case 'order.placed':
      return {
        ...base,
        userId: event.data.userId,
        orderId: event.data.orderId,
        type: 'order_placed',
        message: `Order ${short(event.data.orderId)} placed: ${money(event.data.totalCents, event.data.currency)} awaiting payment.`,
      };
    case 'order.paid':
      return {
        ...base,
        userId: event.data.userId,
        orderId: event.data.orderId,
        type: 'order_paid',
        message: `Payment received for order ${short(event.data.orderId)}: ${money(event.data.totalCents, event.data.currency)}.`,
      };
    case 'order.payment_declined':
      return {
        ...base,
        userId: event.data.userId,
        orderId: event.data.orderId,
        type: 'payment_declined',
        message: `Payment for order ${short(event.data.orderId)} was declined (${event.data.reason.replace(/_/g, ' ')}).`,
      };
    case 'order.cancelled':
      return { ...base, userId: event.data.userId, orderId: event.data.orderId, type: 'order_cancelled', message: `Order ${short(event.data.orderId)} was cancelled.` };
    case 'order.expired':
      return { ...base, userId: event.data.userId, orderId: event.data.orderId, type: 'order_expired', message: `Order ${short(event.data.orderId)} expired before payment.` };
  }
}

/** The routing keys the notifications queue is bound to. */
export const CONSUMED_EVENTS = ['user.registered', 'order.placed', 'order.paid', 'order.payment_declined', 'order.cancelled', 'order.expired'] as const;
