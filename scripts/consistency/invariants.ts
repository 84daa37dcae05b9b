import type { OrderRow, Snapshot } from './snapshot.js';

/** One broken invariant: which rule, about what, and what was found. */
export interface Violation {
  invariant: string;
  subject: string;
  detail: string;
}

export interface CheckOptions {
  /**
   * How long a reservation may stay RESERVED past its expiry before that counts as a leak (the
   * sweeper's interval plus slack). Default 60 s.
   */
  reservationGraceMs?: number;
}

/** The notification each order event becomes (OrderPaymentRequested notifies nobody). */
const NOTIFYING: Readonly<Record<string, string>> = {
  OrderPlaced: 'order_placed',
  OrderPaid: 'order_paid',
  OrderPaymentDeclined: 'payment_declined',
  OrderCancelled: 'order_cancelled',
  OrderExpired: 'order_expired',
};

/** What the order's reservation must be once everything settled, by order status. */
const RESERVATION_FOR: Readonly<Record<OrderRow['status'], readonly string[]>> = {
  PENDING_PAYMENT: ['RESERVED'],
  PAID: ['COMMITTED'],
  CANCELLED: ['RELEASED', 'EXPIRED'],
  EXPIRED: ['RELEASED', 'EXPIRED'],
};

/**
 * The invariants of the whole system, across services:
 * - stock_balance: for every product, received units − committed − live reservations = stock;
 * - reservation_overdue: no unconfirmed reservation holds stock past its expiry (plus a grace);
 * - reservation_matches_order: a paid order's stock is committed, a cancelled or expired order's is
 *   given back, a pending order's is held, and committed stock belongs to a paid order;
 * - charge_matches_order: every succeeded charge belongs to a PAID order (else it must be refunded),
 *   and every PAID order has a succeeded charge of its total;
 * - notification_per_event: every order event that notifies produced exactly one notification, every
 *   user exactly one welcome, and no event produced two.
 */
export function findViolations(snapshot: Snapshot, options: CheckOptions = {}): Violation[] {
  const violations: Violation[] = [];
  const add = (invariant: string, subject: string, detail: string) => violations.push({ invariant, subject, detail });

  for (const p of snapshot.products) {
    if (p.receivedUnits - p.committed - p.live !== p.stock) {
      add('stock_balance', `product ${p.id}`, `received ${p.receivedUnits} − committed ${p.committed} − reserved ${p.live} = ${p.receivedUnits - p.committed - p.live}, but stock is ${p.stock}`);
    }
  }

  const graceMs = options.reservationGraceMs ?? 60_000;
  const reservations = new Map(snapshot.reservations.map((r) => [r.orderId, r]));
  for (const r of snapshot.reservations) {
    const expiresAt = Number(r.expiresAt);
    if (r.status === 'RESERVED' && expiresAt + graceMs < snapshot.takenAt.getTime()) {
      add('reservation_overdue', `order ${r.orderId}`, `RESERVED past its expiry (${new Date(expiresAt).toISOString()}), still holding stock`);
    }
  }

  const orders = new Map(snapshot.orders.map((o) => [o.id, o]));
  for (const order of snapshot.orders) {
    const status = reservations.get(order.id)?.status ?? 'none';
    if (!RESERVATION_FOR[order.status].includes(status)) {
      add('reservation_matches_order', `order ${order.id}`, `the order is ${order.status} but its reservation is ${status}`);
    }
  }
  for (const r of snapshot.reservations) {
    if (r.status === 'COMMITTED' && orders.get(r.orderId)?.status !== 'PAID') {
      add('reservation_matches_order', `order ${r.orderId}`, `stock was committed for an order that is ${orders.get(r.orderId)?.status ?? 'unknown'}`);
    }
  }

  const payments = new Map(snapshot.payments.map((p) => [p.orderId, p]));
  for (const p of snapshot.payments) {
    const order = orders.get(p.orderId);
    if (p.status === 'SUCCEEDED' && order?.status !== 'PAID') {
      add('charge_matches_order', `order ${p.orderId}`, `charged ${p.amountCents} for an order that is ${order?.status ?? 'unknown'}, and not refunded`);
    }
  }
  for (const order of snapshot.orders.filter((o) => o.status === 'PAID')) {
    const payment = payments.get(order.id);
    if (payment?.status !== 'SUCCEEDED' || payment.amountCents !== order.totalCents) {
      add('charge_matches_order', `order ${order.id}`, `PAID for ${order.totalCents}, but its payment is ${payment ? `${payment.status} ${payment.amountCents}` : 'missing'}`);
    }
  }

  if (snapshot.notifications) checkNotifications(snapshot, add);
  return violations;
}

function checkNotifications(snapshot: Snapshot, add: (invariant: string, subject: string, detail: string) => void): void {
  const counts = new Map<string, number>();
  for (const n of snapshot.notifications!) {
    const key = n.orderId ? `${n.orderId}/${n.type}` : `${n.userId}/${n.type}`;
    counts.set(key, (counts.get(key) ?? 0) + n.count);
  }
  for (const order of snapshot.orders) {
    for (const [event, type] of Object.entries(NOTIFYING)) {
      const expected = order.events[event] ?? 0;
      const found = counts.get(`${order.id}/${type}`) ?? 0;
      if (found !== expected) add('notification_per_event', `order ${order.id}`, `${expected} ${event} event(s), ${found} ${type} notification(s)`);
    }
  }
  for (const userId of snapshot.userIds ?? []) {
    const welcomes = counts.get(`${userId}/welcome`) ?? 0;
    if (welcomes !== 1) add('notification_per_event', `user ${userId}`, `1 user.registered event, ${welcomes} welcome notification(s)`);
  }
  for (const eventId of snapshot.duplicateEventIds ?? []) add('notification_per_event', `event ${eventId}`, 'more than one notification');
}
