import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildEvent } from '@switchyard/contracts/events';
import { SERVICE_NAMES, catalogV1, type CatalogDefinition } from '@switchyard/contracts/grpc-contracts';
import { deadLetterQueue } from '@switchyard/kit/event-consumer';
import { GrpcClient } from '@switchyard/kit/grpc-client';
import { BrokerProbe, eventually, isolatedNames } from '../support/broker.js';
import { freshDatabase, queryRows } from '../support/database.js';
import { testIssuer } from '../support/identity.js';
import { capturedLogger } from '../support/logs.js';
import { startTestCatalog, type TestService } from '../support/services.js';

const lifecycle = suite('catalog reservations: hold, confirm on order.paid, release, expiry (Try/Confirm/Cancel)');
let db: Awaited<ReturnType<typeof freshDatabase>>;
let service: TestService;
let catalog: GrpcClient<CatalogDefinition>;
let probe: BrokerProbe;
const names = isolatedNames('catalog-tcc');
const WHISTLE = '5eed0000-0000-4000-8000-000000000001'; // stock 40
const TRACK_GAUGE = '5eed0000-0000-4000-8000-000000000005'; // stock 60
const TELEGRAPH = '5eed0000-0000-4000-8000-00000000000a'; // stock 10
const USER = randomUUID();

lifecycle.before(async () => {
  db = await freshDatabase('catalog_tcc');
  probe = await BrokerProbe.open();
  service = await startTestCatalog(db.url, capturedLogger('catalog-tcc').log, {
    EVENTS_EXCHANGE: names.exchange,
    EVENTS_QUEUE: names.queue,
    RESERVATION_SWEEP_INTERVAL_MS: '100',
    CONSUMER_RETRY_DELAYS_MS: '100',
    CONSUMER_MAX_ATTEMPTS: '2',
  });
  const issuer = await testIssuer();
  catalog = new GrpcClient(catalogV1().Catalog, {
    dependency: 'catalog',
    serviceName: SERVICE_NAMES.catalog,
    target: `ipv4:${service.grpcAddress}`,
    deadlineMs: 10_000,
    maxAttempts: 2,
    token: () => issuer.serviceToken('orders', 'catalog'),
  });
});

// Each part only if before() got that far: a hook that throws here would hide before()'s own error
// (uvu runs after() in a finally) and end the whole run.
lifecycle.after(async () => {
  catalog?.close();
  await service?.stop();
  await probe?.close();
  await db?.drop();
});

const stockOf = async (id: string) => (await queryRows<{ stock: number }>(db.url, 'SELECT stock FROM products WHERE id = $1', [id]))[0]!.stock;
const statusOf = async (orderId: string) => (await queryRows<{ status: string }>(db.url, 'SELECT status FROM reservations WHERE order_id = $1', [orderId]))[0]?.status;
const reserve = (orderId: string, productId: string, quantity: number, holdMs: number) => catalog.call('ReserveStock', { orderId, items: [{ productId, quantity }], holdMs });
const becomes = (orderId: string, status: string) =>
  eventually(async () => ((await statusOf(orderId)) === status ? true : undefined), 10_000, `reservation of ${orderId} ${status}`);

/** Publishes an order event the way the orders relay would. */
async function publish(type: 'order.paid' | 'order.cancelled', orderId: string): Promise<string> {
  const event =
    type === 'order.paid'
      ? buildEvent(type, '/test', { orderId, userId: USER, totalCents: 100, currency: 'EUR', paymentId: randomUUID() }, orderId)
      : buildEvent(type, '/test', { orderId, userId: USER }, orderId);
  await probe.publish(names.exchange, type, event, { messageId: event.id, type });
  return event.id;
}

/** Resolves once the sweeper has certainly run after `moment`: a reservation that expires after it was swept. */
async function sweptAfter(moment: number): Promise<void> {
  const marker = randomUUID();
  await reserve(marker, WHISTLE, 1, Math.max(1, moment - Date.now()) + 100);
  await becomes(marker, 'EXPIRED');
}

lifecycle('an unconfirmed reservation gives its stock back once it expired, and a repeat then reserves nothing', async () => {
  const orderId = randomUUID();
  const before = await stockOf(TRACK_GAUGE);
  const reservation = await reserve(orderId, TRACK_GAUGE, 2, 300);
  assert.is(reservation.status, 'RESERVATION_STATUS_RESERVED');
  assert.is(await stockOf(TRACK_GAUGE), before - 2);
  await becomes(orderId, 'EXPIRED');
  assert.is(await stockOf(TRACK_GAUGE), before);
  const row = (await queryRows<{ early: boolean }>(db.url, 'SELECT released_at < expires_at AS early FROM reservations WHERE order_id = $1', [orderId]))[0]!;
  assert.is(row.early, false, 'not given back before its expiry');
  const repeat = await reserve(orderId, TRACK_GAUGE, 2, 300);
  assert.equal([repeat.status, repeat.expiresAt], ['RESERVATION_STATUS_EXPIRED', reservation.expiresAt]);
  assert.is(await stockOf(TRACK_GAUGE), before);
});

lifecycle('a repeat renews the hold of a live reservation (a retried order placement keeps its stock)', async () => {
  const orderId = randomUUID();
  const first = await reserve(orderId, TRACK_GAUGE, 1, 200);
  const renewed = await reserve(orderId, TRACK_GAUGE, 1, 60_000);
  assert.ok(Date.parse(renewed.expiresAt) > Date.parse(first.expiresAt) + 50_000, `${first.expiresAt} → ${renewed.expiresAt}`);
  await sweptAfter(Date.parse(first.expiresAt));
  assert.is(await statusOf(orderId), 'RESERVED');
});

lifecycle('order.paid confirms the reservation: committed units are sold and never swept back', async () => {
  const orderId = randomUUID();
  const before = await stockOf(TRACK_GAUGE);
  const reservation = await reserve(orderId, TRACK_GAUGE, 3, 300);
  await publish('order.paid', orderId);
  await becomes(orderId, 'COMMITTED');
  await sweptAfter(Date.parse(reservation.expiresAt));
  assert.is(await statusOf(orderId), 'COMMITTED');
  assert.is(await stockOf(TRACK_GAUGE), before - 3);
  const release = await catalog.call('ReleaseStock', { orderId }).catch((err: { code: string }) => err.code);
  assert.is(release, 'reservation_committed');
});

lifecycle('a release that arrives before its reservation is not lost: the late ReserveStock reserves nothing', async () => {
  const orderId = randomUUID();
  const eventId = await publish('order.cancelled', orderId);
  await eventually(async () => ((await queryRows(db.url, 'SELECT 1 FROM inbox WHERE message_id = $1', [eventId])).length === 1 ? true : undefined), 10_000, 'consumed');
  const before = await stockOf(TRACK_GAUGE);
  const late = await reserve(orderId, TRACK_GAUGE, 2, 60_000);
  assert.equal([late.status, late.items], ['RESERVATION_STATUS_RELEASED', []]);
  assert.is(await stockOf(TRACK_GAUGE), before);
});

lifecycle('order.paid after the reservation expired takes the units again while they are there', async () => {
  const orderId = randomUUID();
  const before = await stockOf(TRACK_GAUGE);
  await reserve(orderId, TRACK_GAUGE, 4, 200);
  await becomes(orderId, 'EXPIRED');
  assert.is(await stockOf(TRACK_GAUGE), before);
  await publish('order.paid', orderId);
  await becomes(orderId, 'COMMITTED');
  assert.is(await stockOf(TRACK_GAUGE), before - 4);
});

lifecycle('order.paid after the reservation expired and its units were sold is parked as reservation_lapsed', async () => {
  const orderId = randomUUID();
  await reserve(orderId, TELEGRAPH, 10, 200);
  await becomes(orderId, 'EXPIRED');
  await reserve(randomUUID(), TELEGRAPH, 10, 60_000);
  const eventId = await publish('order.paid', orderId);
  const parked = await eventually(async () => {
    const messages = await probe.drain(deadLetterQueue(names.queue));
    return messages.find((m) => m.properties.messageId === eventId);
  }, 10_000, 'parked');
  assert.match(String(parked.properties.headers!['x-failure-reason']), /^reservation_lapsed: Order .* was paid, but its reservation expired and the stock is gone/);
  assert.equal([await statusOf(orderId), await stockOf(TELEGRAPH)], ['EXPIRED', 0]);
});

lifecycle('a reservation made before reservations expired (expires_at infinity, as migrated) is never swept and repeats without expiresAt', async () => {
  const orderId = randomUUID();
  // What migration 003 leaves of a reservation made before it: no known expiry.
  await queryRows(db.url, "INSERT INTO reservations (order_id, status, expires_at) VALUES ($1, 'RESERVED', 'infinity')", [orderId]);
  await queryRows(db.url, 'INSERT INTO reservation_items (order_id, product_id, quantity) VALUES ($1, $2, 1)', [orderId, TRACK_GAUGE]);
  await queryRows(db.url, 'UPDATE products SET stock = stock - 1 WHERE id = $1', [TRACK_GAUGE]);
  const repeat = await reserve(orderId, TRACK_GAUGE, 1, 200);
  assert.equal([repeat.status, repeat.expiresAt], ['RESERVATION_STATUS_RESERVED', '']);
  await sweptAfter(Date.now() + 300);
  assert.is(await statusOf(orderId), 'RESERVED');
});

lifecycle.run();
