import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CatalogDefinition } from '@switchyard/contracts/grpc-contracts';
import type { GrpcClient } from '@switchyard/kit/grpc-client';
import { eventually } from '../support/broker.js';
import { freshDatabase, queryRows } from '../support/database.js';
import { catalogClient, grpcFailure } from '../support/grpc.js';
import { request } from '../support/http.js';
import { capturedLogger } from '../support/logs.js';
import { scrape } from '../support/metrics.js';
import { startTestCatalog, type TestService } from '../support/services.js';

const cache = suite('catalog product cache');
let db: Awaited<ReturnType<typeof freshDatabase>>;
// Two replicas of one catalog whose cache would keep a product for an hour: only the change feed can
// make a change visible there in time.
let replicaA: TestService;
let replicaB: TestService;
const clients: Array<GrpcClient<CatalogDefinition>> = [];
const captured = capturedLogger('catalog');
const HOUR_MS = '3600000';
const product = (n: number) => `5eed0000-0000-4000-8000-0000000000${n.toString(16).padStart(2, '0')}`;

function grpcTo(service: TestService): GrpcClient<CatalogDefinition> {
  const client = catalogClient(service.grpcAddress);
  clients.push(client);
  return client;
}

const lookups = (service: TestService, outcome: 'hit' | 'miss' | 'bypass') => scrape(service.adminUrl, 'catalog_product_cache_lookups_total', { outcome });
const read = async (service: TestService, id: string) => (await request(`${service.url}/products/${id}`)).body as { priceCents: number; stock: number };

/** Reads the product until a read is served from memory: the change feed listens and the entry is kept. */
async function warm(service: TestService, id: string): Promise<void> {
  await eventually(async () => {
    const hits = await lookups(service, 'hit');
    await read(service, id);
    await read(service, id);
    return (await lookups(service, 'hit')) > hits ? true : undefined;
  }, 10_000, `a cached read of ${id}`);
}

/** A change made with triggers off (session_replication_role = replica): the way to lose its NOTIFY. */
async function silently(sql: string, params: unknown[]): Promise<void> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query('SET session_replication_role = replica');
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

cache.before(async () => {
  db = await freshDatabase('catalog_cache');
  const env = { PRODUCT_READ_CACHE_MAX_AGE_MS: HOUR_MS };
  replicaA = await startTestCatalog(db.url, captured.log, env);
  replicaB = await startTestCatalog(db.url, captured.log, env);
});

cache.after(async () => {
  clients.forEach((client) => client.close());
  await replicaA.stop();
  await replicaB.stop();
  await db.drop();
});

cache('a reservation made through another replica shows in this replica\'s reads without waiting for the max age', async () => {
  const id = product(1); // stock 40
  await warm(replicaA, id);
  assert.is((await read(replicaA, id)).stock, 40);
  const reservation = await grpcTo(replicaB).call('ReserveStock', { orderId: randomUUID(), items: [{ productId: id, quantity: 3 }], holdMs: 60_000 });
  assert.is(reservation.status, 'RESERVATION_STATUS_RESERVED');
  await eventually(async () => ((await read(replicaA, id)).stock === 37 ? true : undefined), 10_000, 'the reserved stock on replica A');
});

cache('a price changed by plain SQL is announced by the table\'s trigger and reaches HTTP and gRPC reads', async () => {
  const id = product(2); // 3900 cents
  await warm(replicaA, id);
  const grpc = grpcTo(replicaA);
  assert.is((await grpc.call('GetProduct', { id })).priceCents, 3900);
  await queryRows(db.url, 'UPDATE products SET price_cents = 4100 WHERE id = $1', [id]);
  await eventually(async () => ((await read(replicaA, id)).priceCents === 4100 ? true : undefined), 10_000, 'the new price over HTTP');
  assert.is((await grpc.call('GetProduct', { id })).priceCents, 4100);
});

cache('serves a product from memory until its change is announced, while ReserveStock decides on the database', async () => {
  const id = product(3); // stock 12, 5800 cents
  await warm(replicaA, id);
  await silently('UPDATE products SET stock = 0, price_cents = 1 WHERE id = $1', [id]);
  // No NOTIFY was sent: the cached product is still what both APIs show…
  const shown = await read(replicaA, id);
  assert.equal([shown.stock, shown.priceCents], [12, 5800]);
  const grpc = grpcTo(replicaA);
  assert.equal(await grpc.call('GetProduct', { id }).then((p) => [p.stock, p.priceCents]), [12, 5800]);
  // …but the reservation takes its units from the row itself.
  const refused = await grpcFailure(grpc.call('ReserveStock', { orderId: randomUUID(), items: [{ productId: id, quantity: 1 }], holdMs: 60_000 }));
  assert.equal([refused.grpcStatus, refused.code], ['FAILED_PRECONDITION', 'insufficient_stock']);
  assert.equal(await queryRows(db.url, 'SELECT stock FROM products WHERE id = $1', [id]), [{ stock: 0 }]);
});

cache('a reconnect of the change feed drops every cached product (NOTIFYs sent meanwhile are lost)', async () => {
  const id = product(4); // 18900 cents
  await warm(replicaA, id);
  await silently('UPDATE products SET price_cents = 19900 WHERE id = $1', [id]);
  assert.is((await read(replicaA, id)).priceCents, 18900);
  const terminated = await queryRows<{ terminated: boolean }>(
    db.url,
    "SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name = 'catalog-product-changes' AND datname = current_database()",
  );
  assert.equal(terminated, [{ terminated: true }, { terminated: true }]);
  await eventually(async () => ((await read(replicaA, id)).priceCents === 19900 ? true : undefined), 10_000, 'the new price after the reconnect');
  assert.ok(captured.lines.some((line) => line.includes('product change feed lost its connection')));
  // And it caches again once it listens again.
  await warm(replicaA, id);
});

cache('a change whose NOTIFY was lost is served no longer than PRODUCT_READ_CACHE_MAX_AGE_MS', async () => {
  const replica = await startTestCatalog(db.url, captured.log, { PRODUCT_READ_CACHE_MAX_AGE_MS: '300' });
  try {
    const id = product(5); // 1650 cents
    await warm(replica, id);
    await silently('UPDATE products SET price_cents = 1750 WHERE id = $1', [id]);
    await eventually(async () => ((await read(replica, id)).priceCents === 1750 ? true : undefined), 10_000, 'the new price after the max age');
  } finally {
    await replica.stop();
  }
});

cache('holds at most PRODUCT_READ_CACHE_ENTRIES products, dropping the least recently read', async () => {
  const replica = await startTestCatalog(db.url, captured.log, { PRODUCT_READ_CACHE_ENTRIES: '3', PRODUCT_READ_CACHE_MAX_AGE_MS: HOUR_MS });
  try {
    await warm(replica, product(6));
    for (let n = 7; n <= 12; n++) await read(replica, product(n));
    assert.is(await scrape(replica.adminUrl, 'catalog_product_cache_entries'), 3);
    const [hits, misses] = [await lookups(replica, 'hit'), await lookups(replica, 'miss')];
    for (const n of [10, 11, 12]) await read(replica, product(n));
    assert.is(await lookups(replica, 'hit'), hits + 3, 'the three read last are kept');
    await read(replica, product(6));
    assert.is(await lookups(replica, 'miss'), misses + 1, 'the first one read went first');
  } finally {
    await replica.stop();
  }
});

cache.run();
