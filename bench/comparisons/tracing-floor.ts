import type { Comparison } from '../lib/comparison.js';
import type { BenchEnv } from '../lib/environment.js';
import { fmtMs, signed, thousands } from '../lib/format.js';
import { cpuPerRequest, proxyApp } from '../lib/proxy-app.js';
import { errorsNote } from './http-proxies.js';

/** The layers of tracing, each a server of its own (servers/traced-proxy-app.ts says what each does). */
const MODES = {
  off: 'no OpenTelemetry',
  als: 'one AsyncLocalStorage run per request, no SDK',
  unsampled: 'SDK, server span + undici instrumentation, sampler always_off',
  'sampled-dropped': 'same, always_on, spans dropped when ended',
  sampled: 'same, always_on, batched and exported (OTLP/HTTP protobuf)',
  'kit-client': "same, the kit's client span (client-span.ts) instead of the undici instrumentation",
} as const;
type Mode = keyof typeof MODES;

/**
 * Where the cost of tracing comes from, layer by layer, in the gateway's shape without the gateway:
 * the CPU a request costs the proxying process with nothing, with only an AsyncLocalStorage, with the
 * SDK not sampling, sampling into nothing, and sampling with the export. The floor for the services'
 * tracing overhead on this Node.js.
 */
export const tracingFloor: Comparison = {
  id: 'tracing-floor',
  title: 'tracing, layer by layer: Koa + undici proxy to a hello-world (wrk -t1 -c16)',
  description:
    'A Koa app of the gateway\'s shape (three async middlewares, an undici pool, the body passed on; bench/servers/traced-proxy-app.ts) ' +
    'proxying to the Koa hello-world, six ways: without OpenTelemetry; with one AsyncLocalStorage run per request and no SDK (what the ' +
    "SDK's context manager does per request); with the SDK, the kit's server span and the undici " +
    'instrumentation but sampler always_off; always_on with spans dropped when ended; always_on batched and exported to an OTLP sink; ' +
    "and that last with the kit's own client span in place of the undici instrumentation, as the services run. " +
    'CPU per request of the proxying process (from /proc) is the figure: throughput also depends on wrk and the upstream sharing the cores.',
  setup: async (env) => {
    await env.koaHello();
    for (const mode of Object.keys(MODES) as Mode[]) await proxyApp(env, mode);
  },
  variants: () => (Object.keys(MODES) as Mode[]).map((mode) => ({ id: mode, label: MODES[mode], measure: async (env: BenchEnv) => cpuPerRequest(env, await proxyApp(env, mode)) })),
  rows: (m) =>
    (Object.keys(MODES) as Mode[]).map((mode) => {
      const cpu = m[mode]!.cpuUs!;
      const off = m.off!.cpuUs!;
      return {
        what: `proxy, ${MODES[mode]}`,
        result: `${Math.round(cpu)} µs CPU per request, ${thousands(m[mode]!.rps)} req/s`,
        p50: fmtMs(m[mode]!.p50),
        p99: fmtMs(m[mode]!.p99),
        comparedWith: mode === 'off' ? 'the floor' : `${signed(cpu - off)} µs (${signed((cpu / off - 1) * 100)} %) against no OpenTelemetry${errorsNote(m[mode])}`,
      };
    }),
};
