import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually } from '../support/broker.js';
import { freshDatabase } from '../support/database.js';
import { request } from '../support/http.js';
import { capturedLogger } from '../support/logs.js';
import { scrape } from '../support/metrics.js';
import { freePort } from '../support/ports.js';
import { ScriptedUpstream, json } from '../support/scripted-upstream.js';
import { startTestCatalog, startTestGateway, type TestService } from '../support/services.js';

const replicas = suite('gateway replicas: outlier ejection, retries on another replica, retry budget');
const PRODUCTS = { items: [], nextCursor: null };
// A breaker that never opens, where a test looks at what happens below it.
const NO_BREAKER = { UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '10000', UPSTREAM_BREAKER_WINDOW: '10000', UPSTREAM_BREAKER_MIN_CALLS: '10000' };
let started: Array<{ stop: () => Promise<void> }> = [];

replicas.after.each(async () => {
  for (const thing of started.reverse()) await thing.stop();
  started = [];
});

/** A scripted catalog replica answering GET /products with `status()`; it is stopped after the test. */
async function replica(status: () => number = () => 200): Promise<{ server: ScriptedUpstream; url: string }> {
  const server = new ScriptedUpstream().on('GET /products', (_req, res) => json(res, status(), status() === 200 ? PRODUCTS : { code: 'sick' }));
  const url = await server.start();
  started.push(server);
  return { server, url };
}

async function gatewayFor(catalogUrls: string[], env: Record<string, string> = {}): Promise<{ gateway: TestService; events: () => Array<Record<string, unknown>> }> {
  const { log, lines } = capturedLogger('gateway');
  const gateway = await startTestGateway(`http://127.0.0.1:${await freePort()}`, log, { CATALOG_URL: catalogUrls.join(','), ...env });
  started.push(gateway);
  return { gateway, events: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** Sends n GETs one after the other: each answer's status, with the problem code when it is not 200. */
const products = async (gateway: TestService, n: number) => {
  const answers: string[] = [];
  for (let i = 0; i < n; i++) answers.push(await product(gateway));
  return answers;
};
const product = async (gateway: TestService) => {
  const res = await request(`${gateway.url}/api/products`);
  return res.status === 200 ? '200' : `${res.status} ${res.body.code}`;
};
const ejections = (events: Array<Record<string, unknown>>) => events.filter((e) => e.msg === 'replica ejected').map((e) => [e.upstream, e.origin, e.ejectionMs]);

replicas('a GET that a replica refusing connections cannot take goes to the other replica; after 5 refusals in a row that replica is ejected', async () => {
  const live = await replica();
  const dead = `http://127.0.0.1:${await freePort()}`;
  const { gateway, events } = await gatewayFor([dead, live.url]);
  assert.equal(await products(gateway, 20), Array(20).fill('200'));
  assert.is(live.server.hits.length, 20);
  // Round robin sends every other first attempt to the dead replica until it is ejected: 5 retries, no more.
  assert.is(await scrape(gateway.adminUrl, 'gateway_upstream_retries_total', { upstream: 'catalog', outcome: 'retried' }), 5);
  assert.equal(ejections(events()), [['catalog', dead, 5000]]);
  assert.is(await scrape(gateway.adminUrl, 'gateway_upstream_ejected_replicas', { upstream: 'catalog' }), 1);
});

replicas('a replica answering 503 has its GETs retried on the other replica and is ejected after 5 failures in a row', async () => {
  const sick = await replica(() => 503);
  const healthy = await replica();
  const { gateway, events } = await gatewayFor([sick.url, healthy.url]);
  assert.equal(await products(gateway, 20), Array(20).fill('200'));
  assert.is(sick.server.hits.length, 5);
  assert.is(healthy.server.hits.length, 20);
  assert.equal(ejections(events()), [['catalog', sick.url, 5000]]);
});

replicas('at most half of the replicas are ejected at once: with both of two failing, one stays in', async () => {
  const first = await replica(() => 503);
  const second = await replica(() => 503);
  const { gateway, events } = await gatewayFor([first.url, second.url], NO_BREAKER);
  const answers = await products(gateway, 30);
  assert.ok(answers.every((a) => a === '503 sick'), 'the replicas’ own 503s pass through');
  assert.is(ejections(events()).length, 1);
  assert.is(await scrape(gateway.adminUrl, 'gateway_upstream_ejected_replicas', { upstream: 'catalog' }), 1);
});

replicas('an ejected replica is tried again when its ejection ends; failing again it goes out at once for twice as long; answering, it is back', async () => {
  let status = 503;
  const sick = await replica(() => status);
  const healthy = await replica();
  const { gateway, events } = await gatewayFor([sick.url, healthy.url], { UPSTREAM_EJECTION_BASE_MS: '300' });
  const statuses = await products(gateway, 10);
  assert.is(sick.server.hits.length, 5);
  await eventually(async () => {
    statuses.push(await product(gateway));
    return sick.server.hits.length === 6 ? true : undefined;
  }, 5000, 'the ejected replica tried again');
  assert.equal(ejections(events()), [['catalog', sick.url, 300], ['catalog', sick.url, 600]]);

  status = 200;
  await eventually(async () => {
    statuses.push(await product(gateway));
    return sick.server.hits.length === 7 ? true : undefined;
  }, 5000, 'the recovered replica tried again');
  assert.ok(events().some((e) => e.msg === 'ejected replica answers again' && e.origin === sick.url));
  const before = sick.server.hits.length;
  statuses.push(...(await products(gateway, 4)));
  assert.is(sick.server.hits.length - before, 2, 'back in the round robin');
  assert.equal(statuses.filter((s) => s !== '200'), [], 'every client answer was 200');
  assert.is(ejections(events()).length, 2);
});

replicas('no request fails while one of two real catalog replicas stops under load', async () => {
  const db = await freshDatabase('gateway_rolling');
  started.push({ stop: db.drop });
  const { log } = capturedLogger('catalog');
  const first = await startTestCatalog(db.url, log);
  let firstStopped = false;
  started.push({ stop: async () => void (firstStopped || (await first.stop())) });
  const second = await startTestCatalog(db.url, log);
  started.push(second);
  // Without the response cache, every request reaches a replica.
  const { gateway, events } = await gatewayFor([first.url, second.url], { RESPONSE_CACHE_MAX_BYTES: '0' });
  const origin = new URL(first.url).origin;

  let sent = 0;
  let stopped = false;
  let afterStop = 0;
  const failures: string[] = [];
  const worker = async () => {
    while (!stopped || afterStop < 300) {
      const res = await request(`${gateway.url}/api/products?limit=5`);
      sent += 1;
      if (stopped) afterStop += 1;
      if (res.status !== 200) failures.push(`${res.status} ${res.text}`);
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  await eventually(async () => (sent >= 300 ? true : undefined), 30_000, '300 requests before the stop');
  await first.stop();
  firstStopped = true;
  stopped = true;
  await Promise.all(workers);
  assert.equal(failures, [], `${failures.length} of ${sent} requests failed`);
  assert.ok(events().some((e) => e.msg === 'replica ejected' && e.origin === origin), 'the stopped replica was ejected');
});

replicas('retries stay within the retry budget: about 10 % of the requests, plus a burst of 10', async () => {
  const sick = await replica(() => 503);
  // Only one replica: every request wants two retries.
  const { gateway, events } = await gatewayFor([sick.url], { UPSTREAM_RETRIES: '2', ...NO_BREAKER });
  const codes: string[] = [];
  for (let i = 0; i < 200; i++) codes.push((await request(`${gateway.url}/api/products`)).body.code);
  assert.equal(codes, Array(200).fill('sick'), 'every answer is the replica\'s own 503');
  const retries = sick.server.hits.length - 200;
  assert.ok(retries >= 25 && retries <= 10 + 0.1 * 200, `${retries} retries for 200 requests`);
  assert.is(await scrape(gateway.adminUrl, 'gateway_upstream_retries_total', { upstream: 'catalog', outcome: 'retried' }), retries);
  assert.ok((await scrape(gateway.adminUrl, 'gateway_upstream_retries_total', { upstream: 'catalog', outcome: 'budget_exhausted' })) > 150);
  assert.equal(ejections(events()), [], 'the only replica is never ejected');
});

replicas.run();
