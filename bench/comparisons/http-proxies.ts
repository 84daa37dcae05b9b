import type { Comparison, Measurement } from '../lib/comparison.js';
import type { BenchEnv } from '../lib/environment.js';
import { fmtMs, ratio, signedMs, thousands } from '../lib/format.js';
import { treeCpuTimeMs } from '../lib/cpu.js';
import { wrk } from '../lib/wrk.js';

/** `; errors N` when a run had failed responses (a fast 4xx must not pass for throughput). */
export const errorsNote = (...runs: Array<{ errors?: number } | undefined>): string => {
  const errors = runs.reduce((sum, r) => sum + (r?.errors ?? 0), 0);
  return errors > 0 ? `; **errors ${thousands(errors)}**` : '';
};

export const PRODUCT = '5eed0000-0000-4000-8000-000000000001';

/**
 * wrk's figures (2 threads and 50 connections unless `shape` says otherwise); with `pid`, also the CPU
 * that process (and its children) spent per request meanwhile.
 */
export async function closedLoopHttp(
  env: BenchEnv,
  url: string,
  headers?: Record<string, string>,
  pid?: number,
  shape: { threads: number; connections: number } = { threads: 2, connections: 50 },
): Promise<Measurement> {
  const base = { url, ...shape, ...(headers ? { headers } : {}) };
  await wrk({ ...base, durationS: env.options.warmupS });
  const cpuBefore = pid === undefined ? 0 : treeCpuTimeMs(pid);
  const result = await wrk({ ...base, durationS: env.options.durationS });
  const cpu: Measurement = pid === undefined ? {} : { cpuUs: ((treeCpuTimeMs(pid) - cpuBefore) * 1000) / result.requests };
  return { rps: result.rps, p50: result.p50, p99: result.p99, errors: result.errors, ...cpu };
}

/** `; 41 µs of CPU per request in the proxy` */
const proxyCpu = (m: { cpuUs?: number } | undefined) => (m?.cpuUs === undefined ? '' : `; ${Math.round(m.cpuUs)} µs of the proxy's CPU per request`);

/** One product read four ways: the Koa ceiling, the service itself, behind nginx, behind the gateway. */
export const httpProxies: Comparison = {
  id: 'http-proxies',
  title: 'catalog GET /products/{id}: direct, nginx, gateway (wrk -t2 -c50)',
  description:
    'Closed loop with wrk (2 threads, 50 keep-alive connections): a Koa hello-world on the same Node.js (the ceiling for one Koa process); ' +
    "catalog's GET /products/{id} on its own port (one Postgres query per request); the same through nginx (one worker, keep-alive upstream, " +
    "the gateway's access-log policy); the same through the gateway (/api/products/{id}), as it is and as it was at the baseline commit " +
    '(before rate limits, breakers, ejection, shedding and the identity work of issue 14). The working tree runs here with its caches off ' +
    "(catalog's product cache, the gateway's response cache): this compares proxying, and nginx caches nothing; product-cache measures the caches.",
  setup: async (env) => {
    await Promise.all([env.system('after', 'off'), env.system('before'), env.koaHello()]);
    await env.nginx();
  },
  variants: () => [
    { id: 'koa', label: 'Koa hello world', measure: async (env) => closedLoopHttp(env, await env.koaHello()) },
    { id: 'direct', label: 'catalog direct', measure: async (env) => closedLoopHttp(env, `${(await env.system('after', 'off')).service('catalog').url}/products/${PRODUCT}`) },
    { id: 'nginx', label: 'through nginx', measure: async (env) => closedLoopHttp(env, `${await env.nginx()}/api/products/${PRODUCT}`, undefined, await env.nginxPid()) },
    {
      id: 'gateway',
      label: 'through the gateway',
      measure: async (env) => {
        const system = await env.system('after', 'off');
        return closedLoopHttp(env, `${system.gatewayUrl}/api/products/${PRODUCT}`, undefined, system.service('gateway').pid);
      },
    },
    {
      id: 'gatewayBefore',
      label: 'through the gateway (before)',
      measure: async (env) => {
        const system = await env.system('before');
        return closedLoopHttp(env, `${system.gatewayUrl}/api/products/${PRODUCT}`, undefined, system.service('gateway').pid);
      },
    },
  ],
  rows: (m) => [
    { what: 'Koa hello world (same node)', result: `${thousands(m.koa!.rps!)} req/s`, p50: fmtMs(m.koa!.p50), p99: fmtMs(m.koa!.p99), comparedWith: `the ceiling for one Koa process${errorsNote(m.koa)}` },
    { what: 'catalog `GET /products/{id}` direct', result: `${thousands(m.direct!.rps!)} req/s`, p50: fmtMs(m.direct!.p50), p99: fmtMs(m.direct!.p99), comparedWith: `one Postgres query per request${errorsNote(m.direct)}` },
    { what: 'same through nginx (keep-alive upstream)', result: `${thousands(m.nginx!.rps!)} req/s`, p50: fmtMs(m.nginx!.p50), p99: fmtMs(m.nginx!.p99), comparedWith: `${ratio(m.nginx!.rps!, m.direct!.rps!)} direct${proxyCpu(m.nginx)}${errorsNote(m.nginx)}` },
    {
      what: 'same through our gateway',
      result: `${thousands(m.gateway!.rps!)} req/s`,
      p50: fmtMs(m.gateway!.p50),
      p99: fmtMs(m.gateway!.p99),
      comparedWith: `**${ratio(m.gateway!.rps!, m.nginx!.rps!)} nginx, ${signedMs(m.gateway!.p50! - m.nginx!.p50!)} p50** (target ≥ 0.8×)${proxyCpu(m.gateway)}${errorsNote(m.gateway)}`,
    },
    {
      what: 'same through the gateway at the baseline commit',
      result: `${thousands(m.gatewayBefore!.rps!)} req/s`,
      p50: fmtMs(m.gatewayBefore!.p50),
      p99: fmtMs(m.gatewayBefore!.p99),
      comparedWith: `now ${ratio(m.gateway!.rps!, m.gatewayBefore!.rps!)} of it, ${signedMs(m.gateway!.p50! - m.gatewayBefore!.p50!)} p50${proxyCpu(m.gatewayBefore)}${errorsNote(m.gatewayBefore)}`,
    },
  ],
};
