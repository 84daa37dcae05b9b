/**
 * What tracing costs, side by side in one run (`npm run bench:tracing`). Three local systems run at
 * once, identical but for tracing: in "on" every service traces at 100 % sampling and exports OTLP/HTTP
 * (protobuf, as in production) to a sink in this process that reads and discards every export; in
 * "sampled" new traces are kept at 10 % (parent-based, so a trace is whole or absent); in "off" no
 * endpoint is set and the bootstrap loads nothing. They are measured in rotating rounds,
 * so all see the same machine (it is shared and busy: single rounds vary, the medians are reported):
 *
 * - gateway throughput: wrk, GET /api/products/:id twice: as any client sends it, which the gateway
 *   answers from its response cache (catalog's max-age) after the first, so only the gateway works; and
 *   with `Cache-Control: no-cache`, which the gateway sends on to catalog every time (gateway and
 *   catalog spans, the undici hop between them);
 * - spans dropped: every traced service logs the SDK's warnings (OTEL_LOG_LEVEL=warn), and a
 *   BatchSpanProcessor whose queue is full says how many spans it dropped; they are counted;
 * - order placement: POST /api/orders through the gateway (orders → users, catalog ×2, Postgres, outbox),
 *   a few at a time, p50 and p99 of every round's latencies;
 * - memory: every service's resident set after the rounds;
 * - start-up: the compiled gateway (as in the image) from spawn to a ready /readyz, without the
 *   bootstrap, with it but no endpoint (the chart's default), and tracing on.
 *
 * Options (environment): BENCH_ROUNDS (4), BENCH_WRK_SECONDS (10), BENCH_WRK_CONNECTIONS (16),
 * BENCH_ORDERS (120 per round), BENCH_ORDER_CONCURRENCY (4).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ManagedProcess } from '@switchyard/devstack/managed-process';
import { TRACING_BOOTSTRAP } from '@switchyard/devstack/service-catalog';
import type { LocalSystem } from '@switchyard/devstack/system';
import { createLogger } from '@switchyard/kit/log';
import { freePort } from '../test/support/ports.js';
import { startOtlpSink } from './lib/otlp-sink.js';
import { startTracedSystem } from './lib/traced-system.js';
import { wrk } from './lib/wrk.js';
import { signUp, topUpStock } from './lib/shop.js';
import { PRODUCT } from './comparisons/http-proxies.js';

const ROOT = resolve(import.meta.dirname, '..');
const log = createLogger({ service: 'bench', level: 'info' });
const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = setting('BENCH_ROUNDS', 4);
const WRK_SECONDS = setting('BENCH_WRK_SECONDS', 10);
const WRK_CONNECTIONS = setting('BENCH_WRK_CONNECTIONS', 16);
const ORDERS = setting('BENCH_ORDERS', 120);
const ORDER_CONCURRENCY = setting('BENCH_ORDER_CONCURRENCY', 4);

/** off: no endpoint, nothing loaded; on: every request traced; sampled: a tenth of new traces kept (parent-based, as production would run). */
const MODES = ['off', 'on', 'sampled'] as const;
type Mode = (typeof MODES)[number];

const tracingEnv = (sink: string, mode: Mode = 'on'): Record<string, string> =>
  mode === 'off'
    ? {}
    : {
        OTEL_EXPORTER_OTLP_ENDPOINT: sink,
        OTEL_LOG_LEVEL: 'warn',
        ...(mode === 'on' ? { OTEL_TRACES_SAMPLER: 'always_on' } : { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }),
      };

/** Spans each mode's services said they dropped (queue full), from the SDK's warnings. */
const dropped: Record<Mode, number> = { off: 0, on: 0, sampled: 0 };

async function startSystem(mode: Mode, sink: string): Promise<{ system: LocalSystem; cleanUp: () => Promise<void>; auth: Record<string, string> }> {
  const { system, cleanUp } = await startTracedSystem({ label: mode, tracing: tracingEnv(sink, mode), log, onDropped: (spans) => (dropped[mode] += spans) });
  // Enough stock that no round runs out.
  await topUpStock(system.databaseUrl, 10_000_000);
  const user = await signUp(system.gatewayUrl, `bench-${mode}`);
  return { system, cleanUp, auth: { authorization: `Bearer ${user.token}` } };
}

/**
 * wrk's requests per second for one URL. Run asynchronously: the OTLP sink lives in this process, and a
 * blocked event loop here would stall every export, fill the services' span queues and have them drop
 * the spans instead of exporting them (what an earlier version of this bench, with a synchronous wrk,
 * measured without knowing).
 */
async function wrkRps(url: string, headers: Record<string, string>): Promise<number> {
  const result = await wrk({ url, headers, threads: 2, connections: WRK_CONNECTIONS, durationS: WRK_SECONDS });
  if (result.errors > 0) throw new Error(`wrk saw ${result.errors} errors against ${url}`);
  return result.rps;
}

/** Latencies (ms) of ORDERS placements, ORDER_CONCURRENCY at a time. */
async function placeOrders(gateway: string, auth: Record<string, string>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next++ < ORDERS) {
      const started = performance.now();
      const res = await fetch(`${gateway}/api/orders`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify({ items: [{ productId: PRODUCT, quantity: 1 }] }),
      });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`an order was answered ${res.status}`);
      latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: ORDER_CONCURRENCY }, worker));
  return latencies;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const median = (values: number[]) => percentile(values, 50);
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** The compiled gateway, as the image runs it: milliseconds from spawn to /readyz 200, and its RSS then. */
async function gatewayStartup(variant: 'no bootstrap' | 'bootstrap, no endpoint' | 'tracing on', sink: string): Promise<{ ms: number; rss: number }> {
  const [http, admin] = [await freePort(), await freePort()];
  const args = [...(variant === 'no bootstrap' ? [] : ['--import', TRACING_BOOTSTRAP]), 'dist/main.js'];
  const env = { PATH: process.env.PATH, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(http), ADMIN_PORT: String(admin), LOG_LEVEL: 'warn', ...(variant === 'tracing on' ? { ...tracingEnv(sink), OTEL_SERVICE_NAME: 'gateway' } : {}) };
  const started = performance.now();
  const child = await ManagedProcess.start('gateway', process.execPath, args, { cwd: join(ROOT, 'services/gateway'), env });
  try {
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${admin}/readyz`).then((r) => r.status === 200, () => false);
      if (ready) return { ms: performance.now() - started, rss: rssMb(child.pid) };
      if (!child.running) throw new Error('the gateway exited');
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    await child.stop('SIGTERM', 10_000);
  }
}

const sink = await startOtlpSink();
const systems: Partial<Record<Mode, Awaited<ReturnType<typeof startSystem>>>> = {};
try {
  log.info('starting three local systems (tracing off, on, sampled)');
  for (const mode of MODES) systems[mode] = await startSystem(mode, sink.url);
  const READS = { cached: {}, 'no-cache': { 'cache-control': 'no-cache' } } as const;
  type Read = keyof typeof READS;
  const throughput: Record<Read, Record<Mode, number[]>> = { cached: { off: [], on: [], sampled: [] }, 'no-cache': { off: [], on: [], sampled: [] } };
  const productUrl = (mode: Mode) => `${systems[mode]!.system.gatewayUrl}/api/products/${PRODUCT}`;
  const latency: Record<Mode, number[]> = { off: [], on: [], sampled: [] };
  // A first round of each, unmeasured: JIT, pools, caches.
  for (const mode of MODES) {
    for (const headers of Object.values(READS)) await wrkRps(productUrl(mode), headers);
    await placeOrders(systems[mode]!.system.gatewayUrl, systems[mode]!.auth);
  }
  for (let round = 0; round < ROUNDS; round++) {
    // Each round starts with another mode, so none always runs first or last.
    for (const mode of [...MODES.slice(round % MODES.length), ...MODES.slice(0, round % MODES.length)]) {
      const { system, auth } = systems[mode]!;
      const rps = {} as Record<Read, number>;
      for (const read of Object.keys(READS) as Read[]) {
        rps[read] = await wrkRps(productUrl(mode), READS[read]);
        throughput[read][mode].push(rps[read]);
      }
      const orders = await placeOrders(system.gatewayUrl, auth);
      latency[mode].push(...orders);
      log.info({ round, mode, cached: Math.round(rps.cached), noCache: Math.round(rps['no-cache']), p50: Math.round(median(orders)), p99: Math.round(percentile(orders, 99)) }, 'round');
    }
  }
  const memory = Object.fromEntries(
    MODES.map((mode) => [mode, Object.fromEntries(systems[mode]!.system.instances.map((i) => [i.service, Math.round(rssMb(i.process.pid))]))]),
  ) as Record<Mode, Record<string, number>>;

  log.info('compiling the gateway for the start-up measurement');
  for (const project of ['packages/contracts', 'packages/kit', 'services/gateway']) execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, project, 'tsconfig.build.json')]);
  const variants = ['no bootstrap', 'bootstrap, no endpoint', 'tracing on'] as const;
  const startup = Object.fromEntries(variants.map((v) => [v, [] as Array<{ ms: number; rss: number }>])) as Record<(typeof variants)[number], Array<{ ms: number; rss: number }>>;
  for (let round = 0; round < 5; round++) for (const variant of variants) startup[variant].push(await gatewayStartup(variant, sink.url));

  const row = (cells: Array<string | number>) => cells.map((c, i) => (i === 0 ? String(c).padEnd(54) : String(c).padStart(14))).join('');
  const change = (a: number, b: number) => `${((b / a - 1) * 100).toFixed(1)} %`;
  const lines = [
    `tracing overhead: ${ROUNDS} rotating rounds, wrk ${WRK_SECONDS} s x ${WRK_CONNECTIONS} connections, ${ORDERS} orders x ${ORDER_CONCURRENCY} at a time per round`,
    row(['', 'off', 'on', 'change', 'sampled 10 %', 'change']),
    ...([
      ['GET product, cached at the gateway (req/s, median)', (m: Mode) => median(throughput.cached[m]), (v: number) => Math.round(v)],
      ['GET product, no-cache: on to catalog (req/s, median)', (m: Mode) => median(throughput['no-cache'][m]), (v: number) => Math.round(v)],
      ['order placement p50 (ms)', (m: Mode) => median(latency[m]), (v: number) => v.toFixed(1)],
      ['order placement p99 (ms)', (m: Mode) => percentile(latency[m], 99), (v: number) => v.toFixed(1)],
    ] as const).map(([label, figure, format]) =>
      row([label, format(figure('off')), format(figure('on')), change(figure('off'), figure('on')), format(figure('sampled')), change(figure('off'), figure('sampled'))]),
    ),
    ...(Object.keys(READS) as Read[]).map((read) => `${read} throughput per round (req/s): ${MODES.map((m) => `${m} ${throughput[read][m].map(Math.round).join(', ')}`).join('; ')}`),
    `RSS after the rounds (MB), off / on / sampled: ${Object.keys(memory.off).map((s) => `${s} ${MODES.map((m) => memory[m][s]).join('/')}`).join(', ')}`,
    `compiled gateway start-up to ready (median of 5 ms, RSS MB): ${variants.map((v) => `${v} ${median(startup[v].map((s) => s.ms)).toFixed(0)} ms ${median(startup[v].map((s) => s.rss)).toFixed(0)} MB`).join('; ')}`,
    `the sink received ${sink.exports()} exports, ${(sink.bytes() / 1e6).toFixed(1)} MB; spans the services said they dropped (queue full; the SDK says so at the next span, so a last drop may go unsaid): on ${dropped.on}, sampled ${dropped.sampled}`,
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
} finally {
  for (const mode of MODES) await systems[mode]?.cleanUp();
  await sink.close();
}
