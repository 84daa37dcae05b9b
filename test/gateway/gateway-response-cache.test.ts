import type { ServerResponse } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually } from '../support/broker.js';
import { freshDatabase, queryRows } from '../support/database.js';
import { request } from '../support/http.js';
import { capturedLogger } from '../support/logs.js';
import { scrape } from '../support/metrics.js';
import { ScriptedUpstream } from '../support/scripted-upstream.js';
import { startTestCatalog, startTestGateway, type TestService } from '../support/services.js';

const cache = suite('gateway response cache');
const { log } = capturedLogger('gateway');
let catalog: ScriptedUpstream;
let gateway: TestService;
let catalogUrl: string;
const CACHE = 'switchyard-gateway';

cache.before.each(async () => {
  catalog = new ScriptedUpstream();
  catalogUrl = await catalog.start();
  gateway = await startTestGateway(catalogUrl, log, { CATALOG_URL: catalogUrl });
});

cache.after.each(async () => {
  await gateway.stop();
  await catalog.stop();
});

/** A product answer with the given Cache-Control (and more headers). */
function answer(res: ServerResponse, cacheControl: string, body: unknown = { id: 'p1', stock: 7 }, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': cacheControl, etag: '"v1"', ...headers }).end(JSON.stringify(body));
}

/** A promise the test resolves when the upstream may answer. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const hitsOf = (path: string) => catalog.hits.filter((h) => h.path === path).length;
const lookups = (outcome: string, route = '/api/products/:id') => scrape(gateway.adminUrl, 'gateway_response_cache_lookups_total', { route, outcome });
const get = (path: string, headers: Record<string, string> = {}) => request(`${gateway.url}/api${path}`, { headers });

cache('20 concurrent identical misses make one upstream call, and all get its answer', async () => {
  const upstream = gate();
  catalog.on('GET /products/p1', async (_req, res) => {
    await upstream.opened;
    answer(res, 'public, max-age=60');
  });
  const answers = Array.from({ length: 20 }, () => get('/products/p1'));
  // All 20 reached the cache before the upstream answers: one calls it, 19 wait for that call.
  await eventually(async () => ((await lookups('coalesced')) === 19 ? true : undefined), 10_000, '19 waiting requests');
  assert.is(await lookups('miss'), 1);
  upstream.open();
  const results = await Promise.all(answers);
  assert.equal(results.map((r) => r.status), Array(20).fill(200));
  assert.equal(new Set(results.map((r) => r.text)), new Set(['{"id":"p1","stock":7}']));
  assert.equal(results.map((r) => r.headers.get('cache-status')).sort(), [
    ...Array(19).fill(`${CACHE}; fwd=uri-miss; collapsed`),
    `${CACHE}; fwd=uri-miss; stored`,
  ]);
  assert.is(hitsOf('/products/p1'), 1);
  const later = await get('/products/p1');
  assert.is(later.headers.get('cache-status'), `${CACHE}; hit`);
  assert.is(later.headers.get('cache-control'), 'public, max-age=60');
  assert.match(later.headers.get('age') ?? '', /^\d+$/);
  assert.is(hitsOf('/products/p1'), 1);
});

cache('no-store and private answers are never kept, and requests waiting for one make their own calls', async () => {
  const upstream = gate();
  catalog.on('GET /products/fresh', async (_req, res) => {
    await upstream.opened;
    answer(res, 'no-store');
  });
  catalog.on('GET /products/mine', (_req, res) => answer(res, 'private, max-age=60'));
  const answers = Array.from({ length: 5 }, () => get('/products/fresh'));
  await eventually(async () => ((await lookups('coalesced')) === 4 ? true : undefined), 10_000, '4 waiting requests');
  upstream.open();
  const results = await Promise.all(answers);
  assert.equal(results.map((r) => r.headers.get('cache-status')), Array(5).fill(`${CACHE}; fwd=uri-miss`));
  assert.is(hitsOf('/products/fresh'), 5);
  assert.is((await get('/products/fresh')).headers.get('cache-status'), `${CACHE}; fwd=uri-miss`);
  assert.is(hitsOf('/products/fresh'), 6);
  for (let i = 0; i < 3; i++) assert.is((await get('/products/mine')).headers.get('cache-status'), `${CACHE}; fwd=uri-miss`);
  assert.is(hitsOf('/products/mine'), 3);
});

cache('never keeps an answer that sets a cookie, nor a non-public one to a request with Authorization', async () => {
  catalog.on('GET /products/cookie', (_req, res) => answer(res, 'public, max-age=60', undefined, { 'set-cookie': 'sid=1' }));
  catalog.on('GET /products/shared', (_req, res) => answer(res, 'max-age=60'));
  catalog.on('GET /products/public', (_req, res) => answer(res, 'public, max-age=60'));
  await get('/products/cookie');
  await get('/products/cookie');
  assert.is(hitsOf('/products/cookie'), 2);
  const bearer = { authorization: 'Bearer whatever' };
  await get('/products/shared', bearer);
  await get('/products/shared', bearer);
  assert.is(hitsOf('/products/shared'), 2);
  await get('/products/public', bearer);
  assert.is((await get('/products/public', bearer)).headers.get('cache-status'), `${CACHE}; hit`);
  assert.is(hitsOf('/products/public'), 1);
  assert.is(catalog.hits.find((h) => h.path === '/products/public')!.headers.authorization, undefined, 'a public route never forwards the token');
});

cache('keeps an answer for its max-age and then asks the upstream again', async () => {
  let version = 0;
  catalog.on('GET /products/short', (_req, res) => answer(res, 'public, max-age=1', { version: ++version }));
  const first = await get('/products/short');
  assert.equal(first.body, { version: 1 });
  const renewed = await eventually(async () => {
    const res = await get('/products/short');
    if (res.headers.get('cache-status') === `${CACHE}; hit`) {
      assert.equal(res.body, { version: 1 });
      assert.ok(Number(res.headers.get('age')) < 1, `age ${res.headers.get('age')} within max-age=1`);
      return undefined;
    }
    return res;
  }, 10_000, 'a new upstream call once the max-age passed');
  assert.equal(renewed.body, { version: 2 });
  assert.is(renewed.headers.get('cache-status'), `${CACHE}; fwd=uri-miss; stored`);
  assert.is(hitsOf('/products/short'), 2);
});

cache('a request asking to revalidate (no-cache, max-age=0) gets a fresh upstream answer, which renews the kept one', async () => {
  let version = 0;
  catalog.on('GET /products/p3', (_req, res) => {
    version += 1;
    answer(res, 'public, max-age=60', { version }, { etag: `"v${version}"` });
  });
  assert.equal((await get('/products/p3')).body, { version: 1 });
  assert.equal((await get('/products/p3')).body, { version: 1 });
  const noCache = await get('/products/p3', { 'cache-control': 'no-cache' });
  assert.equal([noCache.body, noCache.headers.get('cache-status')], [{ version: 2 }, `${CACHE}; fwd=request; stored`]);
  const kept = await get('/products/p3');
  assert.equal([kept.body, kept.headers.get('cache-status')], [{ version: 2 }, `${CACHE}; hit`]);
  // What a browser sends for fetch(…, { cache: 'no-cache' }) with the ETag it has.
  const browser = await get('/products/p3', { 'cache-control': 'max-age=0', 'if-none-match': '"v3"' });
  assert.equal([browser.status, browser.headers.get('etag'), browser.headers.get('cache-status')], [304, '"v3"', `${CACHE}; fwd=request; stored`]);
  assert.is(hitsOf('/products/p3'), 3);
  assert.is(await lookups('revalidated'), 2);
});

cache('answers If-None-Match with 304 itself, and asks the upstream for the whole answer', async () => {
  catalog.on('GET /products/p2', (_req, res) => answer(res, 'public, max-age=60'));
  // fetch() adds Cache-Control: no-cache to a request with If-None-Match unless it has a Cache-Control
  // of its own (the Fetch standard): this one's asks for nothing, as curl's or a CDN's would.
  const conditional = (etags: string) => get('/products/p2', { 'if-none-match': etags, 'cache-control': 'no-transform' });
  const miss = await conditional('"v0", W/"v1"');
  assert.is(miss.status, 304);
  assert.is(miss.text, '');
  assert.is(miss.headers.get('etag'), '"v1"');
  assert.is(catalog.hits[0]!.headers['if-none-match'], undefined);
  const hit = await conditional('"v1"');
  assert.equal([hit.status, hit.text, hit.headers.get('cache-status')], [304, '', `${CACHE}; hit`]);
  const changed = await conditional('"v0"');
  assert.equal([changed.status, changed.body], [200, { id: 'p1', stock: 7 }]);
  assert.is(hitsOf('/products/p2'), 1);
});

cache('keys answers on path, query and Accept', async () => {
  catalog.on('GET /products', (req, res) => answer(res, 'public, max-age=60', { url: req.url, accept: req.headers.accept }));
  const one = await get('/products?limit=1');
  const two = await get('/products?limit=2');
  const text = await get('/products?limit=1', { accept: 'text/plain' });
  assert.equal([one.body.url, two.body.url, text.body.accept], ['/products?limit=1', '/products?limit=2', 'text/plain']);
  assert.is(catalog.hits.length, 3);
  assert.equal((await get('/products?limit=1', { accept: 'text/plain' })).body, text.body);
  assert.equal((await get('/products?limit=2')).body, two.body);
  assert.is(catalog.hits.length, 3);
  assert.is(await lookups('hit', '/api/products'), 2);
});

cache('holds at most RESPONSE_CACHE_MAX_BYTES, the least recently used going first, and no answer over a tenth of it', async () => {
  catalog.on('GET /products/big', (_req, res) => answer(res, 'public, max-age=60', { pad: 'x'.repeat(5000) }));
  for (let n = 0; n < 30; n++) catalog.on(`GET /products/b${n}`, (_req, res) => answer(res, 'public, max-age=60', { pad: 'x'.repeat(1000) }));
  const small = await startTestGateway('http://127.0.0.1:9', log, { CATALOG_URL: catalogUrl, RESPONSE_CACHE_MAX_BYTES: '40000' });
  try {
    const at = (path: string) => request(`${small.url}/api${path}`);
    for (let n = 0; n < 30; n++) assert.is((await at(`/products/b${n}`)).headers.get('cache-status'), `${CACHE}; fwd=uri-miss; stored`);
    const bytes = await scrape(small.adminUrl, 'gateway_response_cache_bytes');
    assert.ok(bytes > 30_000 && bytes <= 40_000, `${bytes} bytes held`);
    assert.is((await at('/products/b29')).headers.get('cache-status'), `${CACHE}; hit`);
    assert.is((await at('/products/b0')).headers.get('cache-status'), `${CACHE}; fwd=uri-miss; stored`);
    assert.is((await at('/products/big')).headers.get('cache-status'), `${CACHE}; fwd=uri-miss`);
    assert.is((await at('/products/big')).headers.get('cache-status'), `${CACHE}; fwd=uri-miss`);
  } finally {
    await small.stop();
  }
});

cache.run();

const freshness = suite('gateway response cache in front of the real catalog');

freshness('a stock change shows through the gateway within the max-age catalog promises', async () => {
  const db = await freshDatabase('gateway_cache');
  const real = await startTestCatalog(db.url, log, { PRODUCT_CACHE_MAX_AGE_SECONDS: '2' });
  const edge = await startTestGateway('http://127.0.0.1:9', log, { CATALOG_URL: real.url });
  const whistle = '5eed0000-0000-4000-8000-000000000001';
  try {
    const first = await request(`${edge.url}/api/products/${whistle}`);
    assert.equal([first.body.stock, first.headers.get('cache-control')], [40, 'public, max-age=2']);
    await queryRows(db.url, 'UPDATE products SET stock = 31 WHERE id = $1', [whistle]);
    await eventually(async () => {
      const res = await request(`${edge.url}/api/products/${whistle}`);
      if (res.body.stock === 31) return true;
      // Until then only the kept answer, within its max-age.
      assert.is(res.headers.get('cache-status'), `${CACHE}; hit`);
      assert.ok(Number(res.headers.get('age')) < 2, `age ${res.headers.get('age')}`);
      return undefined;
    }, 10_000, 'the new stock through the gateway');
  } finally {
    await edge.stop();
    await real.stop();
    await db.drop();
  }
});

freshness.run();
