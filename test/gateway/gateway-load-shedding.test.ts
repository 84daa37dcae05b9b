import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually } from '../support/broker.js';
import { request, withoutRequestId } from '../support/http.js';
import { capturedLogger } from '../support/logs.js';
import { scrape } from '../support/metrics.js';
import { ScriptedUpstream, json } from '../support/scripted-upstream.js';
import { startTestGateway } from '../support/services.js';

const shedding = suite('gateway load shedding');

/**
 * The gateway runs in this process, so the test lags its event loop itself, the way a CPU-bound burst
 * would: 600 ms of busy work, again and again, with only a moment between. (The threshold below is
 * 400 ms, above what a busy shared machine causes by itself.)
 */
function lagEventLoop(): () => void {
  const timer = setInterval(() => {
    const until = Date.now() + 600;
    while (Date.now() < until);
  }, 1);
  return () => clearInterval(timer);
}

shedding('while the event loop lags past the threshold, /api answers 503 overloaded at once and the admin port still answers; then it recovers', async () => {
  const catalog = new ScriptedUpstream().on('GET /products', (_req, res) => json(res, 200, { items: [], nextCursor: null }));
  const { log, lines } = capturedLogger('gateway');
  const gateway = await startTestGateway('http://127.0.0.1:9', log, { CATALOG_URL: await catalog.start(), LOAD_SHED_EVENT_LOOP_DELAY_MS: '400', LOAD_SHED_SAMPLE_MS: '100' });
  const products = () => request(`${gateway.url}/api/products`, { signal: AbortSignal.timeout(30_000) });
  try {
    assert.is((await products()).status, 200);
    const stopLagging = lagEventLoop();
    try {
      await eventually(async () => ((await products()).status === 503 ? true : undefined), 20_000, 'shedding');
      const hitsBefore = catalog.hits.length;
      const shed = await products();
      assert.is(shed.status, 503);
      assert.equal(withoutRequestId(shed.body), {
        type: 'urn:switchyard:problem:overloaded',
        title: 'Service Unavailable',
        status: 503,
        detail: 'The gateway is overloaded; try again shortly.',
        code: 'overloaded',
      });
      assert.is(shed.headers.get('retry-after'), '1');
      assert.is(catalog.hits.length, hitsBefore, 'a shed request never reaches the service');
      assert.is((await request(`${gateway.adminUrl}/readyz`, { signal: AbortSignal.timeout(30_000) })).status, 200);
      assert.ok((await scrape(gateway.adminUrl, 'gateway_shed_requests_total')) >= 2);
      assert.ok((await scrape(gateway.adminUrl, 'gateway_event_loop_delay_seconds')) > 0.4);
    } finally {
      stopLagging();
    }
    await eventually(async () => ((await products()).status === 200 ? true : undefined), 20_000, 'recovered');
    const messages = lines.map((l) => JSON.parse(l).msg);
    assert.ok(messages.includes('load shedding started') && messages.includes('load shedding stopped'));
  } finally {
    await gateway.stop();
    await catalog.stop();
  }
});

shedding('one lag spike (a pause in a single sample, as a GC or a pod still warming up) sheds nothing: only a lag that lasts does', async () => {
  const catalog = new ScriptedUpstream().on('GET /products', (_req, res) => json(res, 200, { items: [], nextCursor: null }));
  const { log, lines } = capturedLogger('gateway');
  const gateway = await startTestGateway('http://127.0.0.1:9', log, { CATALOG_URL: await catalog.start(), LOAD_SHED_EVENT_LOOP_DELAY_MS: '400', LOAD_SHED_SAMPLE_MS: '100' });
  try {
    const sampled = await scrape(gateway.adminUrl, 'gateway_event_loop_delay_seconds');
    const until = Date.now() + 700;
    while (Date.now() < until); // one 700 ms pause of the event loop
    const statuses: number[] = [];
    // Long enough for several samples after the spike.
    const end = Date.now() + 1_000;
    while (Date.now() < end) statuses.push((await request(`${gateway.url}/api/products`)).status);
    assert.ok(statuses.length > 0 && statuses.every((s) => s === 200), statuses.join(','));
    assert.is(await scrape(gateway.adminUrl, 'gateway_shed_requests_total'), 0);
    assert.not.ok(lines.some((l) => l.includes('load shedding started')));
    assert.type(sampled, 'number');
  } finally {
    await gateway.stop();
    await catalog.stop();
  }
});

shedding('LOAD_SHED_EVENT_LOOP_DELAY_MS=0 never sheds', async () => {
  const catalog = new ScriptedUpstream().on('GET /products', (_req, res) => json(res, 200, { items: [], nextCursor: null }));
  const gateway = await startTestGateway('http://127.0.0.1:9', capturedLogger('gateway').log, { CATALOG_URL: await catalog.start(), LOAD_SHED_EVENT_LOOP_DELAY_MS: '0', LOAD_SHED_SAMPLE_MS: '20' });
  try {
    const stopLagging = lagEventLoop();
    try {
      for (let i = 0; i < 5; i++) assert.is((await request(`${gateway.url}/api/products`, { signal: AbortSignal.timeout(30_000) })).status, 200);
    } finally {
      stopLagging();
    }
  } finally {
    await gateway.stop();
    await catalog.stop();
  }
});

shedding.run();
