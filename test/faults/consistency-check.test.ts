import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findViolations } from '../../scripts/consistency/invariants.js';
import type { Snapshot } from '../../scripts/consistency/snapshot.js';

const check = suite('npm run check:consistency: each invariant is found broken when it is');
const NOW = new Date('2026-11-26T12:00:00Z');
const P = 'p0000000-0000-4000-8000-000000000001';
const U = 'u0000000-0000-4000-8000-000000000001';
const order = (id: string, status: Snapshot['orders'][number]['status'], events: Record<string, number>) => ({ id, userId: U, status, totalCents: 500, events });

/** A settled shop: one paid order, one cancelled, one pending; its notifications and its welcome. */
function settled(): Snapshot {
  return {
    takenAt: NOW,
    products: [{ id: P, stock: 7, receivedUnits: 10, live: 1, committed: 2 }],
    reservations: [
      { orderId: 'paid', status: 'COMMITTED', expiresAt: NOW, lines: 1 },
      { orderId: 'cancelled', status: 'RELEASED', expiresAt: NOW, lines: 1 },
      { orderId: 'pending', status: 'RESERVED', expiresAt: new Date(NOW.getTime() + 60_000), lines: 1 },
    ],
    orders: [
      order('paid', 'PAID', { OrderPlaced: 1, OrderPaymentRequested: 1, OrderPaid: 1 }),
      order('cancelled', 'CANCELLED', { OrderPlaced: 1, OrderCancelled: 1 }),
      order('pending', 'PENDING_PAYMENT', { OrderPlaced: 1 }),
    ],
    payments: [
      { orderId: 'paid', status: 'SUCCEEDED', amountCents: 500 },
      { orderId: 'cancelled', status: 'REFUNDED', amountCents: 500 },
    ],
    notifications: [
      { orderId: 'paid', userId: U, type: 'order_placed', count: 1 },
      { orderId: 'paid', userId: U, type: 'order_paid', count: 1 },
      { orderId: 'cancelled', userId: U, type: 'order_placed', count: 1 },
      { orderId: 'cancelled', userId: U, type: 'order_cancelled', count: 1 },
      { orderId: 'pending', userId: U, type: 'order_placed', count: 1 },
      { orderId: null, userId: U, type: 'welcome', count: 1 },
    ],
    duplicateEventIds: [],
    userIds: [U],
  };
}

const invariantsOf = (snapshot: Snapshot) => findViolations(snapshot).map((v) => `${v.invariant} ${v.subject}`);

check('a settled shop has no violation', () => {
  assert.equal(findViolations(settled()), []);
});

check('stock_balance: a unit that is neither on the shelf, reserved nor sold', () => {
  const s = settled();
  s.products[0]!.stock = 6;
  assert.equal(findViolations(s), [{ invariant: 'stock_balance', subject: `product ${P}`, detail: 'received 10 − committed 2 − reserved 1 = 7, but stock is 6' }]);
});

check('reservation_overdue: an unconfirmed reservation holding stock past its expiry and the grace', () => {
  const s = settled();
  s.reservations[2]!.expiresAt = new Date(NOW.getTime() - 61_000);
  assert.equal(invariantsOf(s), ['reservation_overdue order pending']);
});

check('reservation_matches_order: paid without committed stock, cancelled still holding, sold for an unpaid order', () => {
  const s = settled();
  s.reservations[0]!.status = 'EXPIRED';
  s.reservations[1]!.status = 'RESERVED';
  s.reservations.push({ orderId: 'ghost', status: 'COMMITTED', expiresAt: NOW, lines: 1 });
  assert.equal(invariantsOf(s), ['reservation_matches_order order paid', 'reservation_matches_order order cancelled', 'reservation_matches_order order ghost']);
});

check('charge_matches_order: charged for a cancelled order, PAID without a charge of its total', () => {
  const s = settled();
  s.payments[1]!.status = 'SUCCEEDED';
  s.payments[0]!.amountCents = 400;
  assert.equal(findViolations(s).map((v) => v.detail), ['charged 500 for an order that is CANCELLED, and not refunded', 'PAID for 500, but its payment is SUCCEEDED 400']);
});

check('notification_per_event: a missing one, a second one for one event, a missing welcome', () => {
  const s = settled();
  s.notifications = s.notifications!.filter((n) => n.type !== 'order_paid' && n.type !== 'welcome');
  s.notifications.push({ orderId: 'pending', userId: U, type: 'order_placed', count: 1 });
  s.duplicateEventIds = ['e1'];
  assert.equal(findViolations(s).map((v) => `${v.subject}: ${v.detail}`), [
    'order paid: 1 OrderPaid event(s), 0 order_paid notification(s)',
    'order pending: 1 OrderPlaced event(s), 2 order_placed notification(s)',
    `user ${U}: 1 user.registered event, 0 welcome notification(s)`,
    'event e1: more than one notification',
  ]);
});

check.run();
