import { readFileSync } from 'node:fs';
import type { Comparison } from '../lib/comparison.js';
import type { BenchEnv } from '../lib/environment.js';
import { fmtMs, signed, thousands } from '../lib/format.js';
import { cpuPerRequest, proxyApp } from '../lib/proxy-app.js';
import { errorsNote } from './http-proxies.js';

/** V8's young generation, capped or not (semi-space MB; Node.js 20 lets it grow to 16 MB per semi-space). */
const SETTINGS = {
  default: { label: "V8's default (semi-space up to 16 MB)", args: [] },
  semi8: { label: '--max-semi-space-size=8', args: ['--max-semi-space-size=8'] },
  semi2: { label: '--max-semi-space-size=2 (the local runner\'s default for services)', args: ['--max-semi-space-size=2'] },
} as const;
type Setting = keyof typeof SETTINGS;

const anonKb = (pid: number) => Number(/RssAnon:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

/** What a smaller young generation costs per request, against what it saves in memory. */
export const youngGeneration: Comparison = {
  id: 'young-generation',
  title: "V8's young generation: the CPU per request of the gateway's shape with the semi-space capped (wrk -t1 -c16)",
  description:
    "The Koa + undici proxy of tracing-floor (no tracing) with V8's default young generation and with --max-semi-space-size 8 and 2: CPU per " +
    'request of the proxying process and its anonymous resident memory after the run. A service grows its young generation to the cap ' +
    'while it loads its modules and keeps it: at the default that is 32 MB of every idle service (see startup-memory).',
  setup: async (env) => {
    for (const setting of Object.keys(SETTINGS) as Setting[]) await proxyApp(env, 'off', SETTINGS[setting].args);
  },
  variants: () =>
    (Object.keys(SETTINGS) as Setting[]).map((setting) => ({
      id: setting,
      label: SETTINGS[setting].label,
      measure: async (env: BenchEnv) => {
        const app = await proxyApp(env, 'off', SETTINGS[setting].args);
        return { ...(await cpuPerRequest(env, app)), anonKb: anonKb(app.pid) };
      },
    })),
  rows: (m) =>
    (Object.keys(SETTINGS) as Setting[]).map((setting) => ({
      what: `Koa + undici proxy, ${SETTINGS[setting].label}`,
      result: `${Math.round(m[setting]!.cpuUs!)} µs CPU per request, ${thousands(m[setting]!.rps)} req/s`,
      p50: fmtMs(m[setting]!.p50),
      p99: fmtMs(m[setting]!.p99),
      comparedWith: `${setting === 'default' ? '' : `${signed((m[setting]!.cpuUs! / m.default!.cpuUs! - 1) * 100)} % CPU per request against the default; `}anonymous resident memory after the run ${thousands(m[setting]!.anonKb! / 1024)} MB${errorsNote(m[setting])}`,
    })),
};
