import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { request, withoutRequestId } from '../support/http.js';
import { capturedLogger } from '../support/logs.js';
import { startTestGateway, type TestService } from '../support/services.js';
import { rawRequest } from './raw-http.js';

const storefront = suite('gateway storefront (static files at /)');
const INDEX = '<!doctype html><title>Switchyard</title><script type="module" src="/assets/index-Ab12Cd34.js"></script>';
const SCRIPT = 'console.log("storefront")';
const SECRET = 'the-secret-next-to-the-root';
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
let dir: string;
let gateway: TestService;
let bare: TestService;

storefront.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-web-'));
  const root = join(dir, 'dist');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), INDEX);
  await writeFile(join(root, 'assets', 'index-Ab12Cd34.js'), SCRIPT);
  await writeFile(join(root, 'assets', 'index-Ef56Gh78.css'), 'body{margin:0}');
  await writeFile(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(root, '.build-inputs'), 'stamp');
  await writeFile(join(dir, 'secret.txt'), SECRET);
  // No users service is needed: nothing here authenticates.
  gateway = await startTestGateway('http://127.0.0.1:9', capturedLogger('gateway').log, { WEB_ROOT: root });
  bare = await startTestGateway('http://127.0.0.1:9', capturedLogger('gateway').log, { WEB_ROOT: join(dir, 'not-built') });
});

storefront.after(async () => {
  await gateway?.stop();
  await bare?.stop();
  await rm(dir, { recursive: true, force: true });
});

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

function assertSecurityHeaders(headers: Headers, what: string): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.is(headers.get(name), value, `${name} on ${what}`);
}

storefront('serves index.html at / revalidated on every use (no-cache), with an ETag and the security headers', async () => {
  const res = await request(`${gateway.url}/`, { headers: HTML });
  assert.is(res.status, 200);
  assert.is(res.text, INDEX);
  assert.is(res.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.is(res.headers.get('cache-control'), 'no-cache');
  assert.match(res.headers.get('etag') ?? '', /^W\/"[0-9a-f]+-[A-Za-z0-9+/]+"$/);
  assertSecurityHeaders(res.headers, '/');
});

storefront('serves hashed assets for a year as immutable, each with its content type', async () => {
  const script = await request(`${gateway.url}/assets/index-Ab12Cd34.js`);
  assert.is(script.status, 200);
  assert.is(script.text, SCRIPT);
  assert.is(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.is(script.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assertSecurityHeaders(script.headers, 'a script');
  const style = await request(`${gateway.url}/assets/index-Ef56Gh78.css`);
  assert.is(style.headers.get('content-type'), 'text/css; charset=utf-8');
  assert.is(style.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const icon = await request(`${gateway.url}/favicon.svg`);
  assert.is(icon.headers.get('content-type'), 'image/svg+xml');
  assert.is(icon.headers.get('cache-control'), 'no-cache');
});

// Through node:http: fetch adds `Cache-Control: no-cache` to conditional requests, which rightly
// asks for the whole answer again.
storefront('answers a request that already has the file (If-None-Match) with 304 and no body', async () => {
  const first = await rawRequest(gateway.url, '/assets/index-Ab12Cd34.js');
  const etag = first.headers.etag as string;
  const again = await rawRequest(gateway.url, '/assets/index-Ab12Cd34.js', { headers: { 'if-none-match': etag } });
  assert.is(again.status, 304);
  assert.is(again.body, '');
  assert.is(again.headers.etag, etag);
  const index = await rawRequest(gateway.url, '/', { headers: HTML });
  assert.is((await rawRequest(gateway.url, '/orders/42', { headers: { ...HTML, 'if-none-match': index.headers.etag as string } })).status, 304);
  assert.is((await rawRequest(gateway.url, '/', { headers: { ...HTML, 'if-none-match': 'W/"other"' } })).status, 200);
  const sinceThen = await rawRequest(gateway.url, '/', { headers: { ...HTML, 'if-modified-since': index.headers['last-modified'] as string } });
  assert.is(sinceThen.status, 304);
});

storefront('answers HEAD with the headers and no body', async () => {
  const res = await rawRequest(gateway.url, '/assets/index-Ab12Cd34.js', { method: 'HEAD' });
  assert.is(res.status, 200);
  assert.is(res.body, '');
  assert.is(res.headers['content-length'], String(SCRIPT.length));
});

storefront("serves index.html for the app's own pages when a browser asks for a page", async () => {
  for (const path of ['/orders/3f1d2c4b', '/products/5eed0000-0000-4000-8000-000000000001', '/system', '/cart?x=1']) {
    const res = await request(`${gateway.url}${path}`, { headers: HTML });
    assert.is(res.status, 200, path);
    assert.is(res.text, INDEX, path);
    assert.is(res.headers.get('cache-control'), 'no-cache', path);
    assertSecurityHeaders(res.headers, path);
  }
});

storefront('answers a missing asset, or a missing file asked for as data or as anything (*/*), with a 404 problem rather than index.html', async () => {
  const asset = await request(`${gateway.url}/assets/index-gone.js`, { headers: HTML });
  assert.is(asset.status, 404);
  assert.equal(withoutRequestId(asset.body), {
    type: 'urn:switchyard:problem:file_not_found',
    title: 'Not Found',
    status: 404,
    detail: 'There is no file at /assets/index-gone.js.',
    code: 'file_not_found',
  });
  const data = await request(`${gateway.url}/orders/42`, { headers: { accept: 'application/json' } });
  assert.is(data.status, 404);
  assert.is(data.body.code, 'file_not_found');
  // Accepting anything is not asking for a page: a probe sent to the wrong path must not get a 200.
  const anything = await request(`${gateway.url}/healthz-typo`, { headers: { accept: '*/*' } });
  assert.is(anything.status, 404);
  assert.is(anything.body.code, 'file_not_found');
});

storefront('leaves /api to the API: an unknown API path is a route_not_found problem even for a browser', async () => {
  for (const path of ['/api', '/api/', '/api/nothing-here']) {
    const res = await request(`${gateway.url}${path}`, { headers: HTML });
    assert.is(res.status, 404, path);
    assert.is(res.body.code, 'route_not_found', path);
  }
});

storefront('never serves a file outside the root: .., encoded %2e%2e, NUL and bad encodings are refused', async () => {
  const cases: Array<[string, number, string]> = [
    ['/../secret.txt', 403, 'path_forbidden'],
    ['/assets/../../secret.txt', 403, 'path_forbidden'],
    ['/%2e%2e/secret.txt', 403, 'path_forbidden'],
    ['/assets/%2E%2E/%2e%2e/secret.txt', 403, 'path_forbidden'],
    ['/..%2fsecret.txt', 403, 'path_forbidden'],
    // resolve-path treats a backslash as a separator too.
    ['/..%5csecret.txt', 403, 'path_forbidden'],
    ['/index.html%00.js', 400, 'invalid_path'],
    ['/assets/%00', 400, 'invalid_path'],
    ['/%E0%A4%A', 400, 'invalid_path'],
  ];
  for (const [path, status, code] of cases) {
    const res = await rawRequest(gateway.url, path, { headers: HTML });
    assert.is(res.status, status, path);
    assert.is(JSON.parse(res.body).code, code, path);
    assert.not.match(res.body, SECRET, path);
  }
});

storefront('never serves dotfiles (the build stamp)', async () => {
  const res = await request(`${gateway.url}/.build-inputs`, { headers: { accept: 'text/plain' } });
  assert.is(res.status, 404);
  assert.is(res.body.code, 'file_not_found');
  assert.is((await request(`${gateway.url}/.build-inputs`, { headers: HTML })).text, INDEX);
});

storefront('without a built storefront, / answers a 503 problem and the API still works', async () => {
  const page = await request(`${bare.url}/`, { headers: HTML });
  assert.is(page.status, 503);
  assert.equal(withoutRequestId(page.body), {
    type: 'urn:switchyard:problem:storefront_unavailable',
    title: 'Service Unavailable',
    status: 503,
    detail: 'The storefront is not installed on this gateway; the API under /api works.',
    code: 'storefront_unavailable',
  });
  assert.not.match(page.text, dir);
  assert.is((await request(`${bare.url}/api/users/me`)).body.code, 'missing_token');
});

storefront('leaves other methods on page paths to the router: POST / is a 404 problem', async () => {
  const res = await request(`${gateway.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.is(res.status, 404);
  assert.is(res.body.code, 'route_not_found');
});

storefront.run();
