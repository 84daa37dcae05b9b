import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CatalogDefinition } from '@switchyard/contracts/grpc-contracts';
import type { GrpcClient } from '@switchyard/kit/grpc-client';
import { freshDatabase, queryRows } from '../support/database.js';
import { catalogClient, grpcFailure } from '../support/grpc.js';
import { capturedLogger } from '../support/logs.js';
import { startTestCatalog, type TestService } from '../support/services.js';

const stock = suite('catalog gRPC API: products and stock reservations');
let db: Awaited<ReturnType<typeof freshDatabase>>;
let service: TestService;
let catalog: GrpcClient<CatalogDefinition>;
const WHISTLE = '5eed0000-0000-4000-8000-000000000001'; // stock 40
const LANTERN = '5eed0000-0000-4000-8000-000000000003'; // stock 12
const HOOK = '5eed0000-0000-4000-8000-000000000007'; // stock 5
const BLANKET = '5eed0000-0000-4000-8000-00000000000c'; // stock 20

stock.before(async () => {
  db = await freshDatabase('catalog_grpc');
  service = await startTestCatalog(db.url, capturedLogger('catalog').log);
  catalog = catalogClient(service.grpcAddress);
});

stock.after(async () => {
  catalog.close();
  await service.stop();
  await db.drop();
});

const stockOf = async (id: string) => (await queryRows<{ stock: number }>(db.url, 'SELECT stock FROM products WHERE id = $1', [id]))[0]!.stock;

stock('GetProduct returns a product, NOT_FOUND for an unknown id, INVALID_ARGUMENT for a malformed one', async () => {
  assert.equal(await catalog.call('GetProduct', { id: HOOK }), {
    id: HOOK,
    name: 'Coupling Hook',
    description: 'Cast screw-coupling hook, display piece.',
    priceCents: 7400,
    currency: 'EUR',
    stock: 5,
  });
  const missing = await grpcFailure(catalog.call('GetProduct', { id: randomUUID() }));
  assert.equal([missing.grpcStatus, missing.code], ['NOT_FOUND', 'product_not_found']);
  const malformed = await grpcFailure(catalog.call('GetProduct', { id: 'x' }));
  assert.equal([malformed.grpcStatus, malformed.code], ['INVALID_ARGUMENT', 'validation_failed']);
});

stock('ReserveStock takes the units off the stock and is idempotent per order id', async () => {
  const orderId = randomUUID();
  const request = { orderId, items: [{ productId: WHISTLE, quantity: 3 }, { productId: LANTERN, quantity: 2 }] };
  const before = Date.now();
  const first = await catalog.call('ReserveStock', request);
  assert.equal({ ...first, expiresAt: '' }, {
    orderId,
    items: [
      { productId: WHISTLE, quantity: 3 },
      { productId: LANTERN, quantity: 2 },
    ],
    status: 'RESERVATION_STATUS_RESERVED',
    expiresAt: '',
  });
  // Without hold_ms the catalog's default hold applies (30 minutes).
  const holdMs = Date.parse(first.expiresAt) - before;
  assert.ok(holdMs > 30 * 60_000 - 5_000 && holdMs <= 30 * 60_000 + 5_000, `held for ${holdMs} ms`);
  const again = await catalog.call('ReserveStock', request);
  assert.equal({ ...again, expiresAt: '' }, { ...first, expiresAt: '' });
  assert.is(await stockOf(WHISTLE), 37);
  assert.is(await stockOf(LANTERN), 10);
});

stock('ReserveStock refuses the same order id with other items', async () => {
  const orderId = randomUUID();
  await catalog.call('ReserveStock', { orderId, items: [{ productId: BLANKET, quantity: 1 }] });
  const failure = await grpcFailure(catalog.call('ReserveStock', { orderId, items: [{ productId: BLANKET, quantity: 2 }] }));
  assert.equal([failure.grpcStatus, failure.code], ['FAILED_PRECONDITION', 'reservation_mismatch']);
  assert.is(await stockOf(BLANKET), 19);
});

stock('ReserveStock is all-or-nothing: one short line fails the call with per-item detail and changes nothing', async () => {
  const before = await stockOf(BLANKET);
  const failure = await grpcFailure(
    catalog.call('ReserveStock', { orderId: randomUUID(), items: [{ productId: BLANKET, quantity: 1 }, { productId: HOOK, quantity: 6 }] }),
  );
  assert.equal(failure, {
    httpStatus: 409,
    code: 'insufficient_stock',
    grpcStatus: 'FAILED_PRECONDITION',
    message: 'Not enough stock for 1 of 2 items.',
    extensions: { items: [{ productId: HOOK, requested: 6, available: 5 }] },
  });
  assert.is(await stockOf(BLANKET), before);
  assert.is(await stockOf(HOOK), 5);
});

stock('ReserveStock answers NOT_FOUND for an unknown product and INVALID_ARGUMENT for bad lines or a hold past the maximum', async () => {
  const unknown = randomUUID();
  const orderIds = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const missing = await grpcFailure(catalog.call('ReserveStock', { orderId: orderIds[0], items: [{ productId: unknown, quantity: 1 }] }));
  assert.equal([missing.grpcStatus, missing.code, missing.extensions], ['NOT_FOUND', 'product_not_found', { productIds: [unknown] }]);
  const empty = await grpcFailure(catalog.call('ReserveStock', { orderId: orderIds[1], items: [] }));
  assert.equal(empty.extensions, { errors: [{ field: 'items', message: 'must have at least one item' }] });
  const zero = await grpcFailure(catalog.call('ReserveStock', { orderId: orderIds[2], items: [{ productId: HOOK, quantity: 0 }] }));
  assert.equal([zero.grpcStatus, (zero.extensions.errors as Array<{ field: string }>)[0]!.field], ['INVALID_ARGUMENT', 'items.0.quantity']);
  const tooLong = await grpcFailure(catalog.call('ReserveStock', { orderId: orderIds[3], items: [{ productId: HOOK, quantity: 1 }], holdMs: 60 * 60_000 + 1 }));
  assert.equal([tooLong.grpcStatus, tooLong.extensions], ['INVALID_ARGUMENT', { errors: [{ field: 'holdMs', message: 'must be at most 3600000' }] }]);
  const count = await queryRows<{ n: string }>(db.url, 'SELECT count(*) AS n FROM reservations WHERE order_id = ANY($1::uuid[])', [orderIds]);
  assert.is(count[0]!.n, '0', 'no reservation was left behind');
});

stock('ReleaseStock returns the units once; repeats and concurrent releases change nothing more', async () => {
  const orderId = randomUUID();
  await catalog.call('ReserveStock', { orderId, items: [{ productId: LANTERN, quantity: 4 }] });
  const reserved = await stockOf(LANTERN);
  const results = await Promise.all(Array.from({ length: 5 }, () => catalog.call('ReleaseStock', { orderId })));
  const outcomes = results.map((r) => r.outcome).sort();
  assert.equal(outcomes, ['RELEASE_OUTCOME_ALREADY_RELEASED', 'RELEASE_OUTCOME_ALREADY_RELEASED', 'RELEASE_OUTCOME_ALREADY_RELEASED', 'RELEASE_OUTCOME_ALREADY_RELEASED', 'RELEASE_OUTCOME_RELEASED']);
  assert.equal(results.find((r) => r.outcome === 'RELEASE_OUTCOME_RELEASED')!.items, [{ productId: LANTERN, quantity: 4 }]);
  assert.is(await stockOf(LANTERN), reserved + 4);
  const repeatReserve = await catalog.call('ReserveStock', { orderId, items: [{ productId: LANTERN, quantity: 4 }] });
  assert.is(repeatReserve.status, 'RESERVATION_STATUS_RELEASED', 'a released order id does not reserve again');
  assert.is(await stockOf(LANTERN), reserved + 4);
});

stock('ReleaseStock for an order without a reservation answers NOTHING_RESERVED, and a later ReserveStock for it reserves nothing', async () => {
  const orderId = randomUUID();
  const before = await stockOf(HOOK);
  assert.equal(await catalog.call('ReleaseStock', { orderId }), { outcome: 'RELEASE_OUTCOME_NOTHING_RESERVED', items: [] });
  const late = await catalog.call('ReserveStock', { orderId, items: [{ productId: HOOK, quantity: 1 }] });
  assert.equal([late.status, late.items], ['RESERVATION_STATUS_RELEASED', []]);
  assert.is(await stockOf(HOOK), before);
  assert.equal(await catalog.call('ReleaseStock', { orderId }), { outcome: 'RELEASE_OUTCOME_ALREADY_RELEASED', items: [] });
});

stock('50 concurrent ReserveStock calls for the last 10 units reserve exactly 10', async () => {
  const SIGNAL = '5eed0000-0000-4000-8000-000000000002'; // stock 25
  await catalog.call('ReserveStock', { orderId: randomUUID(), items: [{ productId: SIGNAL, quantity: 15 }] });
  assert.is(await stockOf(SIGNAL), 10);
  const attempts = await Promise.allSettled(
    Array.from({ length: 50 }, () => catalog.call('ReserveStock', { orderId: randomUUID(), items: [{ productId: SIGNAL, quantity: 1 }] })),
  );
  const won = attempts.filter((a) => a.status === 'fulfilled').length;
  const lost = attempts.filter((a) => a.status === 'rejected').map((a) => ((a as PromiseRejectedResult).reason as { code: string }).code);
  assert.is(won, 10);
  assert.equal(new Set(lost), new Set(['insufficient_stock']));
  assert.is(await stockOf(SIGNAL), 0);
  const reserved = await queryRows<{ units: string }>(db.url, 'SELECT sum(quantity) AS units FROM reservation_items WHERE product_id = $1', [SIGNAL]);
  assert.is(reserved[0]!.units, '25');
});

stock.run();
