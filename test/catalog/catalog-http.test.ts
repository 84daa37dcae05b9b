import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freshDatabase } from '../support/database.js';
import { request } from '../support/http.js';
import { capturedLogger } from '../support/logs.js';
import { startTestCatalog, startTestGateway, type TestService } from '../support/services.js';

const products = suite('catalog HTTP API and its gateway routes');
let db: Awaited<ReturnType<typeof freshDatabase>>;
let catalog: TestService;
let gateway: TestService;
const WHISTLE = {
  id: '5eed0000-0000-4000-8000-000000000001',
  name: 'Brass Locomotive Whistle',
  description: 'A working steam whistle, tuned to A4.',
  priceCents: 2450,
  currency: 'EUR',
  stock: 40,
};

products.before(async () => {
  db = await freshDatabase('catalog_http');
  const log = capturedLogger('catalog').log;
  catalog = await startTestCatalog(db.url, log);
  gateway = await startTestGateway('http://127.0.0.1:9', log, { CATALOG_URL: catalog.url });
});

products.after(async () => {
  await gateway.stop();
  await catalog.stop();
  await db.drop();
});

products('seeds a dozen products on first start', async () => {
  const res = await request(`${catalog.url}/products?limit=100`);
  assert.is(res.status, 200);
  assert.is(res.body.items.length, 12);
  assert.is(res.body.nextCursor, null);
});

products('pages through every product by name with cursors, none twice', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: { status: number; body: { items: Array<{ name: string }>; nextCursor: string | null } } = await request(
      `${catalog.url}/products?limit=5${cursor ? `&cursor=${cursor}` : ''}`,
    );
    assert.is(page.status, 200);
    seen.push(...page.body.items.map((p) => p.name));
    cursor = page.body.nextCursor;
    pages += 1;
  } while (cursor);
  assert.is(pages, 3);
  assert.is(seen.length, 12);
  assert.equal(seen, [...seen].sort());
  assert.is(new Set(seen).size, 12);
});

products('rejects a forged cursor and an out-of-range limit with 400', async () => {
  const cursor = await request(`${catalog.url}/products?cursor=bm9wZQ`);
  assert.is(cursor.status, 400);
  assert.is(cursor.body.code, 'invalid_cursor');
  const limit = await request(`${catalog.url}/products?limit=0`);
  assert.is(limit.status, 400);
  assert.equal(limit.body.errors.map((e: { field: string }) => e.field), ['limit']);
});

products('returns one product with a strong ETag and Cache-Control', async () => {
  const res = await request(`${catalog.url}/products/${WHISTLE.id}`);
  assert.is(res.status, 200);
  assert.equal(res.body, WHISTLE);
  assert.match(res.headers.get('etag') ?? '', /^"[A-Za-z0-9_-]{32}"$/);
  assert.is(res.headers.get('cache-control'), 'public, max-age=5');
});

products('answers 304 with no body to a matching If-None-Match, and 200 when it changed', async () => {
  const first = await request(`${catalog.url}/products/${WHISTLE.id}`);
  const etag = first.headers.get('etag')!;
  const again = await request(`${catalog.url}/products/${WHISTLE.id}`, { headers: { 'if-none-match': `"other", ${etag}` } });
  assert.is(again.status, 304);
  assert.is(again.text, '');
  const stale = await request(`${catalog.url}/products/${WHISTLE.id}`, { headers: { 'if-none-match': '"stale"' } });
  assert.is(stale.status, 200);
});

products('answers 404 for an unknown product and 400 for a malformed id', async () => {
  const missing = await request(`${catalog.url}/products/00000000-0000-4000-8000-000000000000`);
  assert.is(missing.status, 404);
  assert.is(missing.body.code, 'product_not_found');
  const malformed = await request(`${catalog.url}/products/abc`);
  assert.is(malformed.status, 400);
});

products('serves /api/products and /api/products/{id} through the gateway, ETag and 304 passed through', async () => {
  const list = await request(`${gateway.url}/api/products?limit=2`);
  assert.is(list.status, 200);
  assert.is(list.body.items.length, 2);
  assert.type(list.body.nextCursor, 'string');
  const one = await request(`${gateway.url}/api/products/${WHISTLE.id}`);
  assert.equal(one.body, WHISTLE);
  const etag = one.headers.get('etag')!;
  assert.is(etag, (await request(`${catalog.url}/products/${WHISTLE.id}`)).headers.get('etag'));
  assert.is(one.headers.get('cache-control'), 'public, max-age=5');
  const notModified = await request(`${gateway.url}/api/products/${WHISTLE.id}`, { headers: { 'if-none-match': etag } });
  assert.is(notModified.status, 304);
  const missing = await request(`${gateway.url}/api/products/00000000-0000-4000-8000-000000000000`);
  assert.is(missing.status, 404);
  assert.is(missing.body.code, 'product_not_found');
});

products.run();
