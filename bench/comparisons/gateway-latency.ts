import { Pool } from 'undici';
import type { Comparison, Measurement, Row } from '../lib/comparison.js';
import type { BenchEnv } from '../lib/environment.js';
import { fmtMs, signedMs, thousands } from '../lib/format.js';
import { PRODUCT, errorsNote } from './http-proxies.js';
import { openLoop } from './orders.js';

const RATE = 1000;
const clients = new Map<string, Pool>();

/** One GET through a keep-alive pool of the bench's own for that origin: its status. */
async function get(env: BenchEnv, url: string): Promise<number> {
  const { origin, pathname } = new URL(url);
  let pool = clients.get(origin);
  if (!pool) {
    const created = new Pool(origin, { connections: 64 });
    env.cleanup.add({ name: `open-loop client of ${origin}`, stop: () => created.close(), kill: () => void created.destroy() });
    clients.set(origin, (pool = created));
  }
  const res = await pool.request({ method: 'GET', path: pathname });
  await res.body.dump();
  return res.statusCode;
}

const PATHS = {
  direct: { label: 'catalog direct', url: async (env: BenchEnv) => `${(await env.system('after', 'off')).service('catalog').url}/products/${PRODUCT}` },
  nginx: { label: 'through nginx', url: async (env: BenchEnv) => `${await env.nginx()}/api/products/${PRODUCT}` },
  gateway: { label: 'through the gateway', url: async (env: BenchEnv) => `${(await env.system('after', 'off')).gatewayUrl}/api/products/${PRODUCT}` },
  gatewayBefore: { label: 'through the gateway at the baseline commit', url: async (env: BenchEnv) => `${(await env.system('before')).gatewayUrl}/api/products/${PRODUCT}` },
} as const;
type Path = keyof typeof PATHS;

/** What the gateway adds to a request's latency below saturation, against nginx, open loop. */
export const gatewayLatency: Comparison = {
  id: 'gateway-latency',
  title: `catalog GET /products/{id} at ${RATE.toLocaleString('en-US')} req/s open loop: direct, nginx, gateway`,
  description:
    `The same product read as http-proxies, offered at a fixed ${RATE.toLocaleString('en-US')} requests per second (the wrk2 model: latency from ` +
    "each request's intended send time, so queueing shows) from one keep-alive pool per target in the bench's process: catalog direct, " +
    'through nginx and through the gateway (working tree with its caches off, and the baseline). What each proxy adds to the p50 over the ' +
    'direct call is the figure: the client and the upstream are the same for all.',
  setup: async (env) => {
    await Promise.all([env.system('after', 'off'), ...(env.baseline ? [env.system('before')] : [])]);
    await env.nginx();
  },
  variants: (env) =>
    (Object.keys(PATHS) as Path[])
      .filter((path) => path !== 'gatewayBefore' || env.baseline)
      .map((path) => ({
        id: path,
        label: `${PATHS[path].label} at ${RATE}/s`,
        measure: async (env: BenchEnv): Promise<Measurement> => {
          const url = await PATHS[path].url(env);
          // A short warm-up at the same rate: connections, JIT.
          await openLoop(env.options.warmupS, RATE, () => get(env, url), 200);
          return openLoop(env.options.durationS, RATE, () => get(env, url), 200);
        },
      })),
  rows: (m) => {
    const direct = m.direct!;
    return (Object.keys(PATHS) as Path[])
      .filter((path) => m[path])
      .map((path): Row => {
        const r = m[path]!;
        const added = path === 'direct' ? '' : `${signedMs(r.p50! - direct.p50!)} p50 over direct${path.startsWith('gateway') ? ' (target ≤ +0.3 ms)' : ''}; `;
        return {
          what: `\`GET /products/{id}\` ${PATHS[path].label}, ${thousands(RATE)} req/s open loop`,
          result: `${thousands(r.achieved)} req/s`,
          p50: fmtMs(r.p50),
          p99: fmtMs(r.p99),
          comparedWith: `${added}max ${fmtMs(r.max)}${r.lateStarts ? `, ${thousands(r.lateStarts)} late starts` : ''}${errorsNote(r)}`,
        };
      });
  },
};
