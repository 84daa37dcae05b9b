import { join } from 'node:path';
import type { Comparison } from '../lib/comparison.js';
import type { BenchEnv } from '../lib/environment.js';
import { fmtMs, ratio, thousands } from '../lib/format.js';
import { freePort } from '../../test/support/ports.js';
import { closedLoopHttp, errorsNote } from './http-proxies.js';

/** The access-log settings compared, each a server of its own (servers/access-log-app.ts). */
const SETTINGS = {
  wildcard: { label: 'every request logged, wildcard redaction (before)', env: { REDACT: 'wildcard' } },
  explicit: { label: 'every request logged, explicit redaction paths (now)', env: {} },
  sampled: { label: 'ACCESS_LOG_SAMPLE=0.01', env: { ACCESS_LOG_SAMPLE: '0.01' } },
  silent: { label: 'no access lines (LOG_LEVEL=warn)', env: { LOG_LEVEL: 'warn' } },
} as const;
type Setting = keyof typeof SETTINGS;

const servers = new Map<Setting, Promise<string>>();

function server(env: BenchEnv, setting: Setting): Promise<string> {
  let url = servers.get(setting);
  if (!url) {
    url = (async () => {
      const port = await freePort();
      await env.startProcess(`access-log-${setting}`, process.execPath, ['--import', 'tsx', '--conditions=development', join(env.root, 'bench/servers/access-log-app.ts')], {
        env: { ...process.env, PORT: String(port), ...SETTINGS[setting].env },
        readyLine: 'listening',
      });
      return `http://127.0.0.1:${port}/products/5eed0000-0000-4000-8000-000000000001`;
    })();
    servers.set(setting, url);
  }
  return url;
}

/** What the access line costs a kit HTTP app, and what the explicit paths and sampling save. */
export const accessLog: Comparison = {
  id: 'access-log',
  title: 'access logging in a kit HTTP app: wildcard vs explicit redaction, sampled, none (wrk -t2 -c50)',
  description:
    "Closed loop with wrk (2 threads, 50 connections) against a kit HTTP app (createHttpApp, the services' request context) answering a " +
    'small JSON, its pino lines to stdout, four ways: every request logged with the redaction paths the kit had before (wildcards), every ' +
    'request logged with the explicit paths it has now, ACCESS_LOG_SAMPLE=0.01 (errors and slow requests are still logged), and no access ' +
    'line at all (LOG_LEVEL=warn, the floor).',
  setup: async (env) => {
    await Promise.all((Object.keys(SETTINGS) as Setting[]).map((setting) => server(env, setting)));
  },
  variants: () =>
    (Object.keys(SETTINGS) as Setting[]).map((setting) => ({
      id: setting,
      label: SETTINGS[setting].label,
      measure: async (env: BenchEnv) => closedLoopHttp(env, await server(env, setting)),
    })),
  rows: (m) =>
    (Object.keys(SETTINGS) as Setting[]).map((setting) => ({
      what: `kit HTTP app, ${SETTINGS[setting].label}`,
      result: `${thousands(m[setting]!.rps)} req/s`,
      p50: fmtMs(m[setting]!.p50),
      p99: fmtMs(m[setting]!.p99),
      comparedWith: `${ratio(m[setting]!.rps, m.silent!.rps)} of no access log, ${ratio(m[setting]!.rps, m.wildcard!.rps)} of before${errorsNote(m[setting])}`,
    })),
};
