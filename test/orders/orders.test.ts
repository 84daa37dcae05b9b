import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { amqpUrl, eventually, isolatedNames } from '../support/broker.js';
import { freshDatabase, queryRows } from '../support/database.js';
import { request } from '../support/http.js';
import { capturedLogger } from '../support/logs.js';
import { freePort } from '../support/ports.js';
import { startTestCatalog, startTestGateway, startTestOrders, startTestPayments, startTestUsers, type TestService } from '../support/services.js';

const orders = suite('orders: place, pay, cancel, expire (through the gateway)');
const { log } = capturedLogger('orders-test');
const dbs: Record<string, Awaited<ReturnType<typeof freshDatabase>>> = {};
const svc: Record<string, TestService> = {};
let paymentsPort = 0;
const HOOK = '5eed0000-0000-4000-8000-000000000007'; // 74.00 EUR, stock 5
const WHISTLE = '5eed0000-0000-4000-8000-000000000001'; // 24.50 EUR, stock 40
const LANTERN = '5eed0000-0000-4000-8000-000000000003'; // 58.00 EUR, stock 12
const GOOD = { number: '4242424242424242', expiry: '12/40', cvc: '123' };
const DECLINED = { ...GOOD, number: '4000000000000002' };

const events = isolatedNames('orders-flow');
// payments consumes order.cancelled and order.expired (refunds, voids) from the same exchange.
const paymentsEnv = () => ({ GRPC_PORT: String(paymentsPort), AMQP_URL: amqpUrl(), EVENTS_EXCHANGE: events.exchange, EVENTS_QUEUE: `${events.queue}.payments` });

orders.before(async () => {
  for (const name of ['users', 'catalog', 'payments', 'orders', 'expiring']) dbs[name] = await freshDatabase(`${name}_o`);
  const shared = { EVENTS_EXCHANGE: events.exchange, AMQP_RECONNECT_MAX_MS: '1000' };
  paymentsPort = await freePort();
  // users signs with the test issuer's key: catalog and payments verify tokens against the test issuer.
  svc.users = await startTestUsers(dbs.users!.url, undefined, log, shared);
  svc.catalog = await startTestCatalog(dbs.catalog!.url, log, { ...shared, EVENTS_QUEUE: `${events.queue}.catalog`, CONSUMER_RETRY_DELAYS_MS: '100' });
  svc.payments = await startTestPayments(dbs.payments!.url, log, paymentsEnv());
  const targets = { users: svc.users.grpcAddress, catalog: svc.catalog.grpcAddress, payments: svc.payments.grpcAddress };
  // The orders most tests use never expire while the suite runs. Expiry gets an orders service (and
  // database) of its own: with one short TTL for all, the orders each test leaves unpaid expired in the
  // middle of later tests and gave their stock back or added events there, at moments that depend on
  // the machine's load, so later tests' before/after snapshots (stock, event counts) were off.
  svc.orders = await startTestOrders(dbs.orders!.url, log, targets, { ...shared, PAYMENT_DEADLINE_MS: '1500' });
  svc.expiring = await startTestOrders(dbs.expiring!.url, log, targets, { ...shared, ORDER_TTL_MS: '1500', EXPIRY_SWEEP_INTERVAL_MS: '200' });
  svc.gateway = await startTestGateway(svc.users.url, log, { CATALOG_URL: svc.catalog.url, ORDERS_URL: svc.orders.url });
  svc.expiringGateway = await startTestGateway(svc.users.url, log, { CATALOG_URL: svc.catalog.url, ORDERS_URL: svc.expiring.url });
});

orders.after(async () => {
  for (const name of ['expiringGateway', 'gateway', 'expiring', 'orders', 'payments', 'catalog', 'users']) await svc[name]?.stop();
  for (const db of Object.values(dbs)) await db.drop();
});

let counter = 0;
async function signUp(): Promise<Record<string, string>> {
  const email = `buyer${++counter}-${Date.now()}@example.com`;
  await request(`${svc.gateway!.url}/api/users`, { method: 'POST', json: { email, password: 'long enough pw', name: 'Buyer' } });
  const session = await request(`${svc.gateway!.url}/api/sessions`, { method: 'POST', json: { email, password: 'long enough pw' } });
  return { authorization: `Bearer ${session.body.token}` };
}

const api = (path: string) => `${svc.gateway!.url}/api${path}`;
const place = (auth: Record<string, string>, items: unknown, key: string | null = randomUUID()) =>
  request(api('/orders'), { method: 'POST', json: { items }, headers: { ...auth, ...(key ? { 'idempotency-key': key } : {}) } });
const pay = (auth: Record<string, string>, id: string, card: unknown = GOOD) => request(api(`/orders/${id}/pay`), { method: 'POST', json: { card }, headers: auth });
// The stock row itself: what the reservations did (the API's product answers may be up to their max-age old).
const stockOf = async (id: string) => (await queryRows<{ stock: number }>(dbs.catalog!.url, 'SELECT stock FROM products WHERE id = $1', [id]))[0]!.stock;
const rows = async (db: string, sql: string, params: unknown[] = []) => Number((await queryRows<{ n: string }>(dbs[db]!.url, sql, params))[0]!.n);

orders('places an order priced by catalog: 201, PENDING_PAYMENT, server-computed total, stock reserved', async () => {
  const auth = await signUp();
  const before = await stockOf(WHISTLE);
  const res = await place(auth, [{ productId: WHISTLE, quantity: 2 }, { productId: LANTERN, quantity: 1 }]);
  assert.is(res.status, 201);
  assert.equal({ ...res.body, id: 'x', createdAt: 'x' }, {
    id: 'x',
    status: 'PENDING_PAYMENT',
    items: [
      { productId: WHISTLE, quantity: 2, priceCents: 2450 },
      { productId: LANTERN, quantity: 1, priceCents: 5800 },
    ],
    totalCents: 2 * 2450 + 5800,
    currency: 'EUR',
    createdAt: 'x',
  });
  assert.is(await stockOf(WHISTLE), before - 2);
  const history = await request(api(`/orders/${res.body.id}/history`), { headers: auth });
  assert.equal(history.body.items.map((e: { seq: number; type: string }) => [e.seq, e.type]), [[1, 'OrderPlaced']]);
});

orders('replays the same response for the same Idempotency-Key and body, refuses another body, requires the key', async () => {
  const auth = await signUp();
  const before = await stockOf(WHISTLE);
  const first = await place(auth, [{ productId: WHISTLE, quantity: 1 }], 'key-1');
  const again = await place(auth, [{ productId: WHISTLE, quantity: 1 }], 'key-1');
  assert.is(again.status, 201);
  assert.equal(again.body, first.body);
  assert.is(await stockOf(WHISTLE), before - 1, 'reserved once');
  const other = await place(auth, [{ productId: WHISTLE, quantity: 2 }], 'key-1');
  assert.equal([other.status, other.body.code], [422, 'idempotency_key_reused']);
  const missing = await place(auth, [{ productId: WHISTLE, quantity: 1 }], null);
  assert.equal([missing.status, missing.body.code], [400, 'idempotency_key_required']);
  assert.is(await rows('orders', 'SELECT count(*) AS n FROM orders'), (await rows('orders', 'SELECT count(*) AS n FROM order_events WHERE seq = 1')));
});

orders('rejects bad bodies with a problem and writes nothing', async () => {
  const auth = await signUp();
  const events = await rows('orders', 'SELECT count(*) AS n FROM order_events');
  const reservations = await rows('catalog', 'SELECT count(*) AS n FROM reservations');
  const cases: Array<[unknown, number, string]> = [
    [[], 400, 'items'],
    [[{ productId: WHISTLE, quantity: 0 }], 400, 'items.0.quantity'],
    [[{ productId: WHISTLE, quantity: -1 }], 400, 'items.0.quantity'],
    [[{ productId: WHISTLE, quantity: 1.5 }], 400, 'items.0.quantity'],
    [[{ productId: WHISTLE, quantity: '2' }], 400, 'items.0.quantity'],
    [[{ productId: 'nope', quantity: 1 }], 400, 'items.0.productId'],
    ['not a list', 400, 'items'],
  ];
  for (const [items, status, field] of cases) {
    const res = await place(auth, items);
    assert.is(res.status, status, JSON.stringify(items));
    assert.is(res.body.errors[0].field, field, JSON.stringify(items));
  }
  const unknown = await place(auth, [{ productId: randomUUID(), quantity: 1 }]);
  assert.equal([unknown.status, unknown.body.code], [404, 'product_not_found']);
  assert.is(await rows('orders', 'SELECT count(*) AS n FROM order_events'), events);
  assert.is(await rows('catalog', 'SELECT count(*) AS n FROM reservations'), reservations);
});

orders('refuses short stock with a 409 naming the items, creating no order', async () => {
  const auth = await signUp();
  const events = await rows('orders', 'SELECT count(*) AS n FROM order_events');
  const res = await place(auth, [{ productId: HOOK, quantity: 99 }]);
  assert.is(res.status, 409);
  assert.is(res.body.code, 'insufficient_stock');
  assert.equal(res.body.items, [{ productId: HOOK, requested: 99, available: await stockOf(HOOK) }]);
  assert.is(await rows('orders', 'SELECT count(*) AS n FROM order_events'), events);
});

orders('concurrent orders for the last units never oversell', async () => {
  const buyers = await Promise.all(Array.from({ length: 8 }, () => signUp()));
  const left = await stockOf(HOOK);
  const results = await Promise.all(buyers.map((auth) => place(auth, [{ productId: HOOK, quantity: 1 }])));
  assert.is(results.filter((r) => r.status === 201).length, left);
  assert.equal(new Set(results.filter((r) => r.status !== 201).map((r) => r.status)), new Set(left < 8 ? [409] : []));
  assert.is(await stockOf(HOOK), 0);
});

orders('a declined card answers 402 with the reason and the order stays payable; a good card then pays it', async () => {
  const auth = await signUp();
  const order = (await place(auth, [{ productId: WHISTLE, quantity: 1 }])).body;
  const declined = await pay(auth, order.id, DECLINED);
  assert.equal([declined.status, declined.body.code, declined.body.reason], [402, 'card_declined', 'card_declined']);
  assert.is((await request(api(`/orders/${order.id}`), { headers: auth })).body.status, 'PENDING_PAYMENT');
  const paid = await pay(auth, order.id);
  assert.equal([paid.status, paid.body.status], [200, 'PAID']);
  const history = await request(api(`/orders/${order.id}/history`), { headers: auth });
  assert.equal(history.body.items.map((e: { type: string }) => e.type), ['OrderPlaced', 'OrderPaymentRequested', 'OrderPaymentDeclined', 'OrderPaymentRequested', 'OrderPaid']);
  assert.equal(history.body.items[2].data, { reason: 'card_declined' });
});

orders('20 concurrent pays of one order: one charge, one OrderPaid', async () => {
  const auth = await signUp();
  const order = (await place(auth, [{ productId: WHISTLE, quantity: 1 }])).body;
  const results = await Promise.all(Array.from({ length: 20 }, () => pay(auth, order.id)));
  assert.ok(results.some((r) => r.status === 200));
  assert.ok(results.every((r) => r.status === 200 || (r.status === 409 && r.body.code === 'order_not_payable')), JSON.stringify(results.map((r) => r.status)));
  assert.is(await rows('payments', "SELECT count(*) AS n FROM payment_attempts WHERE order_id = $1 AND outcome = 'succeeded'", [order.id]), 1);
  assert.is(await rows('orders', "SELECT count(*) AS n FROM order_events WHERE order_id = $1 AND type = 'OrderPaid'", [order.id]), 1);
});

orders('payments down: pay answers 503 with Retry-After quickly and nothing changes; payments back: pay succeeds', async () => {
  const auth = await signUp();
  const order = (await place(auth, [{ productId: WHISTLE, quantity: 1 }])).body;
  await svc.payments!.stop();
  try {
    const res = await pay(auth, order.id);
    assert.is(res.status, 503);
    assert.is(res.headers.get('retry-after'), '1');
    assert.is((await request(api(`/orders/${order.id}`), { headers: auth })).body.status, 'PENDING_PAYMENT');
  } finally {
    svc.payments = await startTestPayments(dbs.payments!.url, log, paymentsEnv());
  }
  const paid = await eventually(async () => {
    const res = await pay(auth, order.id);
    return res.status === 200 ? res : undefined;
  }, 10_000, 'pay succeeded once payments was back');
  assert.is(paid.body.status, 'PAID');
});

orders('the transient processor failure answers 503 and leaves the order payable', async () => {
  const auth = await signUp();
  const order = (await place(auth, [{ productId: WHISTLE, quantity: 1 }])).body;
  const res = await pay(auth, order.id, { ...GOOD, number: '4000000000000119' });
  assert.equal([res.status, res.body.code, res.headers.get('retry-after')], [503, 'processor_unavailable', '1']);
  assert.is((await request(api(`/orders/${order.id}`), { headers: auth })).body.status, 'PENDING_PAYMENT');
});

orders('cancel releases the stock (catalog consumes order.cancelled); a paid order cannot be cancelled', async () => {
  const auth = await signUp();
  const before = await stockOf(LANTERN);
  const order = (await place(auth, [{ productId: LANTERN, quantity: 3 }])).body;
  assert.is(await stockOf(LANTERN), before - 3);
  const cancelled = await request(api(`/orders/${order.id}/cancel`), { method: 'POST', headers: auth });
  assert.equal([cancelled.status, cancelled.body.status], [200, 'CANCELLED']);
  await eventually(async () => ((await stockOf(LANTERN)) === before ? true : undefined), 10_000, 'stock released after cancel');
  const paidOrder = (await place(auth, [{ productId: WHISTLE, quantity: 1 }])).body;
  await pay(auth, paidOrder.id);
  const refused = await request(api(`/orders/${paidOrder.id}/cancel`), { method: 'POST', headers: auth });
  assert.equal([refused.status, refused.body.code, refused.body.orderStatus], [409, 'order_not_cancellable', 'PAID']);
});

orders('expires unpaid orders after the configured time and releases their stock', async () => {
  const expiring = (path: string) => `${svc.expiringGateway!.url}/api${path}`;
  const auth = await signUp();
  const before = await stockOf(LANTERN);
  const order = (await request(expiring('/orders'), { method: 'POST', json: { items: [{ productId: LANTERN, quantity: 2 }] }, headers: { ...auth, 'idempotency-key': randomUUID() } })).body;
  assert.is(await stockOf(LANTERN), before - 2);
  await eventually(async () => ((await request(expiring(`/orders/${order.id}`), { headers: auth })).body.status === 'EXPIRED' ? true : undefined), 10_000, 'expired');
  await eventually(async () => ((await stockOf(LANTERN)) === before ? true : undefined), 10_000, 'stock released after expiry');
  const late = await request(expiring(`/orders/${order.id}/pay`), { method: 'POST', json: { card: GOOD }, headers: auth });
  assert.equal([late.status, late.body.code], [409, 'order_not_payable']);
  const history = await request(expiring(`/orders/${order.id}/history`), { headers: auth });
  assert.equal(history.body.items.map((e: { type: string }) => e.type), ['OrderPlaced', 'OrderExpired']);
});

orders('another user can neither read, pay nor cancel my order', async () => {
  const mine = await signUp();
  const theirs = await signUp();
  const order = (await place(mine, [{ productId: WHISTLE, quantity: 1 }])).body;
  for (const res of [
    await request(api(`/orders/${order.id}`), { headers: theirs }),
    await request(api(`/orders/${order.id}/history`), { headers: theirs }),
    await pay(theirs, order.id),
    await request(api(`/orders/${order.id}/cancel`), { method: 'POST', headers: theirs }),
  ]) {
    assert.equal([res.status, res.body.code], [404, 'order_not_found']);
  }
  assert.is((await request(api(`/orders/${order.id}`), { headers: mine })).body.status, 'PENDING_PAYMENT');
  assert.equal((await request(api('/orders'), { headers: theirs })).body.items, []);
});

orders('lists my orders newest first with cursor pages', async () => {
  const auth = await signUp();
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await place(auth, [{ productId: WHISTLE, quantity: 1 }])).body.id);
  const first = await request(api('/orders?limit=2'), { headers: auth });
  assert.equal(first.body.items.map((o: { id: string }) => o.id), [ids[2], ids[1]]);
  const second = await request(api(`/orders?limit=2&cursor=${first.body.nextCursor}`), { headers: auth });
  assert.equal(second.body.items.map((o: { id: string }) => o.id), [ids[0]]);
  assert.is(second.body.nextCursor, null);
});

orders.run();
