import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually } from '../support/broker.js';
import { request, type TestResponse } from '../support/http.js';
import { capturedLogger } from '../support/logs.js';
import { scrape } from '../support/metrics.js';
import { ScriptedUpstream, json } from '../support/scripted-upstream.js';
import { startTestGateway, type TestService } from '../support/services.js';

const breaker = suite('gateway circuit breaker');
let started: Array<{ stop: () => Promise<void> }> = [];

breaker.after.each(async () => {
  for (const thing of started.reverse()) await thing.stop();
  started = [];
});

/** A scripted catalog replica answering GET /products with whatever `status()` says now. */
async function catalog(status: () => number): Promise<{ server: ScriptedUpstream; url: string }> {
  const server = new ScriptedUpstream().on('GET /products', (_req, res) => {
    const code = status();
    json(res, code, code < 500 ? { items: [], nextCursor: null } : { code: 'boom' });
  });
  const url = await server.start();
  started.push(server);
  return { server, url };
}

async function gatewayFor(catalogUrls: string[], env: Record<string, string>): Promise<{ gateway: TestService; transitions: () => string[]; users: ScriptedUpstream }> {
  const users = new ScriptedUpstream().on('POST /sessions', (_req, res) => json(res, 200, { token: 't' }));
  started.push(users);
  const { log, lines } = capturedLogger('gateway');
  const gateway = await startTestGateway(await users.start(), log, { CATALOG_URL: catalogUrls.join(','), ...env });
  started.push(gateway);
  const transitions = () =>
    lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((l) => l.msg === 'circuit breaker state changed' && l.upstream === 'catalog')
      .map((l) => String(l.state));
  return { gateway, transitions, users };
}

const get = (gateway: TestService) => request(`${gateway.url}/api/products`);
const isOpenAnswer = (res: TestResponse) => res.status === 503 && res.body.code === 'upstream_circuit_open';

breaker('opens after 3 failed calls in a row; then answers 503 upstream_circuit_open with Retry-After at once, without calling the service', async () => {
  const sick = await catalog(() => 500);
  const { gateway, transitions } = await gatewayFor([sick.url], { UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '3', UPSTREAM_BREAKER_OPEN_MS: '60000', UPSTREAM_RETRIES: '0' });
  for (let i = 0; i < 3; i++) assert.equal((await get(gateway)).body, { code: 'boom' }, 'the service’s own 500 passes through');
  const open = await get(gateway);
  assert.is(open.status, 503);
  assert.is(open.body.code, 'upstream_circuit_open');
  assert.is(open.body.detail, 'The catalog service is failing; calls to it are paused.');
  assert.is(open.headers.get('content-type'), 'application/problem+json');
  assert.is(open.headers.get('retry-after'), '60');
  assert.is(sick.server.hits.length, 3);
  assert.equal(transitions(), ['open']);
  assert.is(await scrape(gateway.adminUrl, 'gateway_upstream_circuit_state', { upstream: 'catalog' }), 1);
  assert.is(await scrape(gateway.adminUrl, 'gateway_upstream_circuit_state', { upstream: 'users' }), 0);
});

breaker('an open breaker of one upstream leaves the others alone', async () => {
  const sick = await catalog(() => 500);
  const { gateway } = await gatewayFor([sick.url], { UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '3', UPSTREAM_BREAKER_OPEN_MS: '60000' });
  for (let i = 0; i < 3; i++) await get(gateway);
  assert.ok(isOpenAnswer(await get(gateway)));
  const login = await request(`${gateway.url}/api/sessions`, { method: 'POST', json: { email: 'a@b.c', password: 'x' } });
  assert.equal([login.status, login.body], [200, { token: 't' }]);
});

breaker('after the open time one probe goes through; its success closes the breaker', async () => {
  let status = 500;
  const sick = await catalog(() => status);
  const { gateway, transitions } = await gatewayFor([sick.url], { UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '3', UPSTREAM_BREAKER_OPEN_MS: '300', UPSTREAM_RETRIES: '0' });
  for (let i = 0; i < 3; i++) await get(gateway);
  assert.ok(isOpenAnswer(await get(gateway)));
  status = 200;
  await eventually(async () => ((await get(gateway)).status === 200 ? true : undefined), 5000, 'a probe answered');
  assert.is(sick.server.hits.length, 4, 'three failures and one probe');
  assert.equal(transitions(), ['open', 'half-open', 'closed']);
  assert.is(await scrape(gateway.adminUrl, 'gateway_upstream_circuit_state', { upstream: 'catalog' }), 0);
  assert.is((await get(gateway)).status, 200);
});

breaker('a failed probe opens the breaker again for another open time', async () => {
  const sick = await catalog(() => 500);
  const { gateway, transitions } = await gatewayFor([sick.url], { UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '3', UPSTREAM_BREAKER_OPEN_MS: '300', UPSTREAM_RETRIES: '0' });
  for (let i = 0; i < 3; i++) await get(gateway);
  await eventually(async () => ((await get(gateway)).status === 500 ? true : undefined), 5000, 'a probe reached the service');
  assert.ok(isOpenAnswer(await get(gateway)));
  assert.is(sick.server.hits.length, 4);
  assert.equal(transitions(), ['open', 'half-open', 'open']);
});

breaker('a failure ratio over the last calls opens it even without failures in a row', async () => {
  let calls = 0;
  const flaky = await catalog(() => (++calls % 2 === 1 ? 500 : 200));
  const { gateway, transitions } = await gatewayFor([flaky.url], {
    UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '1000',
    UPSTREAM_BREAKER_FAILURE_RATIO: '0.4',
    UPSTREAM_BREAKER_WINDOW: '10',
    UPSTREAM_BREAKER_MIN_CALLS: '10',
    UPSTREAM_BREAKER_OPEN_MS: '60000',
    UPSTREAM_RETRIES: '0',
  });
  // Calls 2–11 are the first full window holding more than 40 % failures (5 of 10).
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) statuses.push((await get(gateway)).status);
  assert.equal(statuses, [500, 200, 500, 200, 500, 200, 500, 200, 500, 200, 500]);
  assert.ok(isOpenAnswer(await get(gateway)));
  assert.is(flaky.server.hits.length, 11);
  assert.equal(transitions(), ['open']);
});

/** Sends `total` GETs from `concurrency` clients at once and tallies the answers. */
async function load(gateway: TestService, total: number, concurrency: number): Promise<{ passedThrough500: number; open: number; ok: number; other: string[] }> {
  const tally = { passedThrough500: 0, open: 0, ok: 0, other: [] as string[] };
  let sent = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < total) {
        sent += 1;
        const res = await get(gateway);
        if (res.status === 500) tally.passedThrough500 += 1;
        else if (isOpenAnswer(res)) tally.open += 1;
        else if (res.status === 200) tally.ok += 1;
        else tally.other.push(`${res.status} ${res.text}`);
      }
    }),
  );
  return tally;
}

breaker('under load, an upstream whose only replica answers 500 gets at most 10 failures plus those in flight, then only probes', async () => {
  const sick = await catalog(() => 500);
  const { gateway, transitions } = await gatewayFor([sick.url], { UPSTREAM_BREAKER_OPEN_MS: '200' });
  const tally = await load(gateway, 2000, 8);
  assert.equal(tally.other, []);
  assert.is(tally.ok, 0);
  const probes = transitions().filter((state) => state === 'half-open').length;
  assert.is(tally.passedThrough500 + tally.open, 2000);
  assert.is(sick.server.hits.length, tally.passedThrough500, 'every 500 came from the service, nothing else reached it');
  // The 10th failure in a row opens it; up to 7 more calls were already under way; each probe is one call.
  assert.ok(tally.passedThrough500 <= 10 + 7 + probes, `${tally.passedThrough500} failures reached clients with ${probes} probes`);
});

breaker('under load, one of two replicas answering 500 is ejected and the breaker stays closed', async () => {
  const sick = await catalog(() => 500);
  const healthy = await catalog(() => 200);
  const { gateway, transitions } = await gatewayFor([sick.url, healthy.url], {});
  const tally = await load(gateway, 2000, 8);
  assert.equal(tally.other, []);
  assert.is(tally.open, 0);
  assert.equal(transitions(), []);
  // Five failures in a row eject it; up to 7 more were already on their way to it.
  assert.ok(tally.passedThrough500 >= 5 && tally.passedThrough500 <= 5 + 7, `${tally.passedThrough500} failures reached clients`);
  assert.is(tally.ok + tally.passedThrough500, 2000);
});

breaker.run();
