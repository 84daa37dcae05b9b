import type { Comparison, Measurement } from '../lib/comparison.js';
import { fmtMs, ratio, signedMs, thousands } from '../lib/format.js';
import { PRODUCT, closedLoopHttp, errorsNote } from './http-proxies.js';

/** One side by side row: `A vs B` for throughput and latencies, A's ratio to B. */
function onOffRow(what: string, on: Measurement, off: Measurement, note: string) {
  return {
    what,
    result: `${thousands(on.rps)} vs ${thousands(off.rps)} req/s`,
    p50: `${fmtMs(on.p50)} vs ${fmtMs(off.p50)}`,
    p99: `${fmtMs(on.p99)} vs ${fmtMs(off.p99)}`,
    comparedWith: `**${ratio(on.rps, off.rps)}** without it, ${signedMs(on.p50! - off.p50!)} p50; ${note}${errorsNote(on, off)}`,
  };
}

/** The two caches of a product read, each on against off, on the same machine in the same run. */
export const productCache: Comparison = {
  id: 'product-cache',
  title: 'GET /products/{id} with the caches on vs off: catalog direct, through the gateway (wrk -t2 -c50)',
  description:
    "Closed loop with wrk (2 threads, 50 connections) on one product: catalog's GET /products/{id} with its in-process product cache " +
    '(kept true by NOTIFY) against the same catalog code with PRODUCT_READ_CACHE_ENTRIES=0 (one Postgres query per request); ' +
    "GET /api/products/{id} through the gateway with its response cache (Cache-Control: public, max-age=5 from catalog) against the " +
    'gateway with RESPONSE_CACHE_MAX_BYTES=0 in front of an uncached catalog. Two local systems of the working tree, caches on and off.',
  setup: async (env) => {
    // One after the other: two systems of one checkout starting together would race on its storefront build.
    await env.system('after');
    await env.system('after', 'off');
  },
  variants: () => [
    { id: 'catalogOn', label: 'catalog direct, product cache on', measure: async (env) => closedLoopHttp(env, `${(await env.system('after')).service('catalog').url}/products/${PRODUCT}`) },
    { id: 'catalogOff', label: 'catalog direct, product cache off', measure: async (env) => closedLoopHttp(env, `${(await env.system('after', 'off')).service('catalog').url}/products/${PRODUCT}`) },
    { id: 'gatewayOn', label: 'through the gateway, caches on', measure: async (env) => closedLoopHttp(env, `${(await env.system('after')).gatewayUrl}/api/products/${PRODUCT}`) },
    { id: 'gatewayOff', label: 'through the gateway, caches off', measure: async (env) => closedLoopHttp(env, `${(await env.system('after', 'off')).gatewayUrl}/api/products/${PRODUCT}`) },
  ],
  rows: (m) => [
    onOffRow("catalog `GET /products/{id}` direct, product cache on vs off", m.catalogOn!, m.catalogOff!, 'a hit is a map lookup instead of a Postgres query'),
    onOffRow('`GET /api/products/{id}` through the gateway, response cache on vs off', m.gatewayOn!, m.gatewayOff!, 'a hit never reaches catalog (max-age=5)'),
  ],
};
