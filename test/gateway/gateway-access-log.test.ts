import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from '../support/http.js';
import { capturedLogger } from '../support/logs.js';
import { ScriptedUpstream, json } from '../support/scripted-upstream.js';
import { startTestGateway, type TestService } from '../support/services.js';

const accessLog = suite('gateway access log');
let upstream: ScriptedUpstream;
let upstreamUrl: string;
const started: TestService[] = [];

accessLog.before(async () => {
  upstream = new ScriptedUpstream()
    .on('GET /products', (_req, res) => json(res, 200, { items: [], nextCursor: null }))
    .on('GET /products/boom', (_req, res) => json(res, 500, { code: 'internal' }))
    .on('GET /products/slow', (_req, res) => void setTimeout(() => json(res, 200, { slow: true }), 300));
  upstreamUrl = await upstream.start();
});

accessLog.after(async () => {
  for (const service of started) await service.stop();
  await upstream.stop();
});

/** A gateway whose log lines are kept, and its access lines as [path, status] pairs. */
async function gatewayWith(env: Record<string, string>) {
  const { log, lines } = capturedLogger('gateway', 'info');
  const gateway = await startTestGateway(upstreamUrl, log, { CATALOG_URL: upstreamUrl, RESPONSE_CACHE_MAX_BYTES: '0', ...env });
  started.push(gateway);
  const logged = () =>
    lines
      .map((line) => JSON.parse(line) as { msg: string; path: string; status: number; reqId: string; traceId: string })
      .filter((entry) => entry.msg === 'request finished');
  return { gateway, logged };
}

const trace = (prefix: string) => `00-${prefix.padEnd(32, '1')}-${'2'.repeat(16)}-01`;

accessLog('logs every request by default, through the request\'s child logger', async () => {
  const { gateway, logged } = await gatewayWith({});
  for (let i = 0; i < 3; i++) assert.is((await request(`${gateway.url}/api/products`, { headers: { 'x-request-id': `req-${i}` } })).status, 200);
  assert.equal(logged().map((e) => [e.path, e.status, e.reqId]), [['/api/products', 200, 'req-0'], ['/api/products', 200, 'req-1'], ['/api/products', 200, 'req-2']]);
});

accessLog('with ACCESS_LOG_SAMPLE=0 logs every 5xx and every slow request, and nothing else', async () => {
  const { gateway, logged } = await gatewayWith({ ACCESS_LOG_SAMPLE: '0', ACCESS_LOG_SLOW_MS: '200' });
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) statuses.push((await request(`${gateway.url}/api/products`)).status);
  for (let i = 0; i < 5; i++) statuses.push((await request(`${gateway.url}/api/products/boom`)).status);
  statuses.push((await request(`${gateway.url}/api/products/slow`)).status);
  assert.equal(statuses, [...Array(10).fill(200), ...Array(5).fill(500), 200]);
  assert.equal(logged().map((e) => [e.path, e.status]), [...Array(5).fill(['/api/products/boom', 500]), ['/api/products/slow', 200]]);
});

accessLog('samples by trace id: a trace in the sampled share is logged, one outside is not, a 5xx outside it is', async () => {
  const { gateway, logged } = await gatewayWith({ ACCESS_LOG_SAMPLE: '0.5' });
  const get = (path: string, traceId: string) => request(`${gateway.url}/api${path}`, { headers: { traceparent: trace(traceId) } });
  await get('/products', '00000000'); // 0.0 of the trace space: inside the half
  await get('/products', '7fffffff'); // just under 0.5: inside
  await get('/products', '80000000'); // 0.5: outside
  await get('/products', 'ffffffff'); // outside
  await get('/products/boom', 'ffffffff'); // outside, but a 5xx
  assert.equal(logged().map((e) => [e.path, e.status, e.traceId.slice(0, 8)]), [
    ['/api/products', 200, '00000000'],
    ['/api/products', 200, '7fffffff'],
    ['/api/products/boom', 500, 'ffffffff'],
  ]);
});

accessLog.run();
