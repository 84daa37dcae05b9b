import { join } from 'node:path';
import type { Measurement } from './comparison.js';
import type { BenchEnv } from './environment.js';
import { startOtlpSink } from './otlp-sink.js';
import { exportingMode } from './proxy-modes.js';
import { freePort } from '../../test/support/ports.js';
import { closedLoopHttp } from '../comparisons/http-proxies.js';

export interface ProxyApp {
  url: string;
  pid: number;
}

const started = new Map<string, Promise<ProxyApp>>();
let sink: Promise<string> | undefined;

/**
 * The gateway's shape without the gateway (servers/traced-proxy-app.ts) proxying to the Koa hello-world,
 * traced as `mode` says, with extra node flags; one process per distinct setting for the whole run.
 */
export function proxyApp(env: BenchEnv, mode: string, nodeArgs: readonly string[] = []): Promise<ProxyApp> {
  const key = `${mode} ${nodeArgs.join(' ')}`;
  let app = started.get(key);
  if (!app) {
    app = (async () => {
      if (exportingMode(mode)) {
        sink ??= startOtlpSink().then((s) => {
          env.cleanup.add({ name: 'otlp sink', stop: s.close, kill: () => void s.server.closeAllConnections() });
          return s.url;
        });
      }
      const port = await freePort();
      const name = `proxy-app-${mode}${nodeArgs.map((a) => a.replace(/^-+/, '_')).join('')}`;
      const { process: child } = await env.startProcess(name, process.execPath, [...nodeArgs, '--import', 'tsx', join(env.root, 'bench/servers/traced-proxy-app.ts')], {
        env: { ...process.env, PORT: String(port), MODE: mode, UPSTREAM_URL: await env.koaHello(), ...(sink ? { SINK_URL: await sink } : {}) },
        readyLine: 'listening',
      });
      return { url: `http://127.0.0.1:${port}/hello`, pid: child.pid };
    })();
    started.set(key, app);
  }
  return app;
}

/** wrk (1 thread, 16 connections) against a proxy app, and the CPU its process spent per request meanwhile. */
export const cpuPerRequest = (env: BenchEnv, app: ProxyApp): Promise<Measurement> => closedLoopHttp(env, app.url, undefined, app.pid, { threads: 1, connections: 16 });
