import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SERVICE_NAMES, paymentsV1 } from '@switchyard/contracts/grpc-contracts';
import { GrpcClient } from '@switchyard/kit/grpc-client';
import { waitForConsistency } from '../../scripts/check-consistency.js';
import { eventually } from '../support/broker.js';
import { queryRows } from '../support/database.js';
import { testIssuer } from '../support/identity.js';
import { Shop } from '../support/shop.js';
import { DECLINED_CARD } from '../support/shop-client.js';

/**
 * The defects of issue 12 that lose money or stock when a reply is lost, each reproduced through the
 * public API: a frozen payments (its requests arrive after their deadline), a Charge reply lost on the
 * way, a ReserveStock that commits after the caller gave up, a refunded charge paid again.
 */
const lost = suite('orders: lost replies never lose money or stock');
let shop: Shop;
const WHISTLE = '5eed0000-0000-4000-8000-000000000001'; // 24.50 EUR, stock 40
const SEMAPHORE = '5eed0000-0000-4000-8000-000000000002'; // 39.00 EUR, stock 25
const CAP = '5eed0000-0000-4000-8000-000000000008'; // 32.00 EUR, stock 30

lost.before(async () => {
  shop = await Shop.start({
    proxied: true,
    orders: { GRPC_DEADLINE_MS: '800', PAYMENT_DEADLINE_MS: '800', ORDER_TTL_MS: '4000', EXPIRY_SWEEP_INTERVAL_MS: '200', RESERVATION_MARGIN_MS: '60000' },
  });
  // One paid order first, so orders' connections to catalog and payments are open, as in production
  // (a call on a connection whose handshake is frozen never leaves the caller at all).
  const auth = await shop.client.signUp();
  const warmUp = (await shop.client.place(auth, [{ productId: WHISTLE, quantity: 1 }])).body;
  assert.is((await shop.client.pay(auth, warmUp.id)).status, 200);
});

lost.after(async () => {
  await shop?.stop();
});

const paymentOf = async (orderId: string) => (await queryRows<{ status: string }>(shop.dbs.payments.url, 'SELECT status FROM payments WHERE order_id = $1', [orderId]))[0]?.status;
const paymentBecomes = (orderId: string, statuses: string[]) =>
  eventually(async () => {
    const status = await paymentOf(orderId);
    return status && statuses.includes(status) ? status : undefined;
  }, 15_000, `payment of ${orderId} ${statuses.join(' or ')}`);

lost('defect 1: a Charge that reached a frozen payments after its deadline, then a cancel: the order is PAID (cancel refused), never CANCELLED with the money kept', async () => {
  const auth = await shop.client.signUp();
  const order = (await shop.client.place(auth, [{ productId: WHISTLE, quantity: 1 }])).body;
  shop.proxies!.payments.freeze();
  const pay = await shop.client.pay(auth, order.id);
  assert.equal([pay.status, pay.body.code], [504, 'upstream_timeout']);
  shop.proxies!.payments.thaw();
  await paymentBecomes(order.id, ['SUCCEEDED']);
  const cancel = await shop.client.cancel(auth, order.id);
  assert.equal([cancel.status, cancel.body.code, cancel.body.orderStatus], [409, 'order_not_cancellable', 'PAID']);
  assert.is((await shop.client.order(auth, order.id)).body.status, 'PAID');
});

lost('defect 1, hostile: cancelled while payments is frozen, the held Charge arrives afterwards: it is refused or refunded', async () => {
  const auth = await shop.client.signUp();
  const order = (await shop.client.place(auth, [{ productId: WHISTLE, quantity: 1 }])).body;
  shop.proxies!.payments.freeze();
  try {
    const pay = await shop.client.pay(auth, order.id);
    assert.is(pay.status, 504);
    // payments cannot be asked either: the cancel goes ahead, and order.cancelled reaches payments over RabbitMQ.
    const cancel = await shop.client.cancel(auth, order.id);
    assert.equal([cancel.status, cancel.body.status], [200, 'CANCELLED']);
    await paymentBecomes(order.id, ['VOIDED']);
  } finally {
    shop.proxies!.payments.thaw();
  }
  // The held Charge arrives now, with its deadline counted from arrival: refused, never charged.
  const refused = (line: string) => line.includes('"grpcMethod":"/switchyard.payments.v1.Payments/Charge"') && line.includes('"code":"FAILED_PRECONDITION"');
  await eventually(async () => (shop.lines.some(refused) ? true : undefined), 5_000, 'the held Charge was refused');
  assert.is(await shop.count('payments', 'SELECT count(*) AS n FROM payment_attempts WHERE order_id = $1', [order.id]), 0);
  assert.is(await paymentOf(order.id), 'VOIDED');
});

lost('defect 2: a refunded charge paid again with a declining card is refused, never PAID without money', async () => {
  const auth = await shop.client.signUp();
  const order = (await shop.client.place(auth, [{ productId: CAP, quantity: 1 }])).body;
  const payments = new GrpcClient(paymentsV1().Payments, {
    dependency: 'payments',
    serviceName: SERVICE_NAMES.payments,
    target: `ipv4:${shop.svc.payments.grpcAddress}`,
    deadlineMs: 5_000,
    maxAttempts: 1,
    token: async () => (await testIssuer()).serviceToken('orders', 'payments'),
  });
  try {
    await payments.call('Charge', { orderId: order.id, amountCents: order.totalCents, currency: 'EUR', card: { number: '4242424242424242', expiry: '12/40', cvc: '123' } });
    await payments.call('Refund', { orderId: order.id });
  } finally {
    payments.close();
  }
  const pay = await shop.client.pay(auth, order.id, DECLINED_CARD);
  assert.equal([pay.status, pay.body.code], [409, 'payment_refunded']);
  assert.is((await shop.client.order(auth, order.id)).body.status, 'PENDING_PAYMENT');
});

lost('defect 3: ReserveStock committed after the deadline ran out; the retry with the same Idempotency-Key keeps the order id and the one reservation', async () => {
  const auth = await shop.client.signUp();
  const key = randomUUID();
  const before = await shop.stockOf(SEMAPHORE);
  // Hold the product row: ReserveStock waits for it past the caller's deadline, then commits.
  const blocker = new pg.Client({ connectionString: shop.dbs.catalog.url });
  await blocker.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM products WHERE id = $1 FOR UPDATE', [SEMAPHORE]);
    const first = await shop.client.place(auth, [{ productId: SEMAPHORE, quantity: 2 }], key);
    assert.equal([first.status, first.body.code], [504, 'upstream_timeout']);
    await blocker.query('COMMIT');
  } finally {
    await blocker.end();
  }
  const reservations = () => queryRows<{ order_id: string; status: string }>(shop.dbs.catalog.url, 'SELECT r.order_id, r.status FROM reservations r JOIN reservation_items i USING (order_id) WHERE i.product_id = $1', [SEMAPHORE]);
  await eventually(async () => ((await reservations()).length === 1 ? true : undefined), 5_000, 'the late reservation committed');
  const retry = await shop.client.place(auth, [{ productId: SEMAPHORE, quantity: 2 }], key);
  assert.is(retry.status, 201);
  assert.equal(await reservations(), [{ order_id: retry.body.id, status: 'RESERVED' }]);
  assert.is(await shop.stockOf(SEMAPHORE), before - 2);
});

lost('defect 4: a Charge whose reply was lost: when the order is due to expire it is completed as PAID, not expired with the money kept', async () => {
  const auth = await shop.client.signUp();
  const before = await shop.stockOf(WHISTLE);
  const order = (await shop.client.place(auth, [{ productId: WHISTLE, quantity: 2 }])).body;
  shop.proxies!.payments.freeze('replies');
  const pay = await shop.client.pay(auth, order.id);
  assert.equal([pay.status, pay.body.code], [504, 'upstream_timeout']);
  shop.proxies!.payments.thaw();
  assert.is(await paymentOf(order.id), 'SUCCEEDED');
  const settled = await eventually(async () => {
    const status = (await shop.client.order(auth, order.id)).body.status;
    return status === 'PENDING_PAYMENT' ? undefined : status;
  }, 15_000, 'the order settled');
  assert.is(settled, 'PAID');
  assert.is(await paymentOf(order.id), 'SUCCEEDED');
  const reservation = () => queryRows<{ status: string }>(shop.dbs.catalog.url, 'SELECT status FROM reservations WHERE order_id = $1', [order.id]);
  await eventually(async () => ((await reservation())[0]?.status === 'COMMITTED' ? true : undefined), 10_000, 'the stock confirmed');
  assert.is(await shop.stockOf(WHISTLE), before - 2);
});

lost('after all of the above, every invariant holds across catalog, orders and payments', async () => {
  const violations = await waitForConsistency(shop.databases(), 20_000);
  assert.equal(violations, []);
});

lost.run();
