/**
 * CPU per request of the gateway and catalog processes (from /proc) for the product read behind wrk,
 * one local system per tracing mode, one after another (not side by side: for that, and for throughput,
 * `npm run bench:tracing`). It tells where tracing's cost sits, process by process:
 *
 *   node --import tsx --conditions=development bench/tools/tracing-cpu.ts [--modes off,als,unsampled,on]
 *        [--no-cache] [--rounds 2] [--duration 8] [--profile gateway]
 *
 * Modes: off (no endpoint: nothing loaded); als (untraced, but one AsyncLocalStorage entered in the
 * gateway, bench/servers/als-preload.mjs: what the SDK's context manager costs on Node 20 by itself);
 * unsampled (the SDK loaded, sampler always_off); on (always_on, exported to an OTLP sink in this
 * process); json (as on, but OTLP/HTTP JSON instead of protobuf). --no-cache sends `Cache-Control: no-cache`, so the gateway calls catalog every time;
 * without it the gateway's response cache answers. --profile starts that service with --cpu-prof
 * (profiles in .data/bench/tracing-cpu/<mode>/).
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '@switchyard/kit/log';
import { cpuTimeMs } from '../lib/cpu.js';
import { startOtlpSink } from '../lib/otlp-sink.js';
import { startTracedSystem } from '../lib/traced-system.js';
import { wrk } from '../lib/wrk.js';
import { PRODUCT } from '../comparisons/http-proxies.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MODES = ['off', 'als', 'unsampled', 'on', 'json'] as const;
type Mode = (typeof MODES)[number];

const { values } = parseArgs({
  options: {
    modes: { type: 'string', default: 'off,unsampled,on' },
    'no-cache': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '2' },
    duration: { type: 'string', default: '8' },
    profile: { type: 'string' },
  },
});
const modes = values.modes.split(',') as Mode[];
const unknown = modes.filter((m) => !MODES.includes(m));
if (unknown.length > 0 || !/^[1-9]\d*$/.test(values.rounds) || !/^[1-9]\d*$/.test(values.duration)) {
  process.stderr.write(`modes are ${MODES.join(', ')} (not ${unknown.join(', ') || 'that'}); --rounds and --duration are whole numbers of at least 1\n`);
  process.exit(2);
}
const headers: Record<string, string> = values['no-cache'] ? { 'cache-control': 'no-cache' } : {};
const log = createLogger({ service: 'tracing-cpu', level: 'info' });

const sink = await startOtlpSink();
let dropped = 0;
try {
  for (const mode of modes) {
    const tracing: Record<string, string> =
      mode === 'off' || mode === 'als'
        ? {}
        : {
            OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
            OTEL_TRACES_SAMPLER: mode === 'unsampled' ? 'always_off' : 'always_on',
            OTEL_LOG_LEVEL: 'warn',
            ...(mode === 'json' ? { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' } : {}),
          };
    const flags: Record<string, string[]> = {};
    if (mode === 'als') flags.gateway = ['--import', join(ROOT, 'bench/servers/als-preload.mjs')];
    if (values.profile) flags[values.profile] = [...(flags[values.profile] ?? []), '--cpu-prof', `--cpu-prof-dir=${join(ROOT, '.data/bench/tracing-cpu', mode)}`];
    const { system, cleanUp } = await startTracedSystem({ label: mode, tracing, log, onDropped: (spans) => (dropped += spans), serviceNodeFlags: flags });
    try {
      const url = `${system.gatewayUrl}/api/products/${PRODUCT}`;
      const pid = (service: string) => system.instances.find((i) => i.service === service)!.process.pid;
      // Unmeasured: JIT, pools, caches.
      await wrk({ url, headers, threads: 1, connections: 16, durationS: 3 });
      for (let round = 0; round < Number(values.rounds); round++) {
        const before = { gateway: cpuTimeMs(pid('gateway')), catalog: cpuTimeMs(pid('catalog')) };
        const result = await wrk({ url, headers, threads: 1, connections: 16, durationS: Number(values.duration) });
        if (result.errors > 0) throw new Error(`wrk saw ${result.errors} errors`);
        const perRequest = (service: 'gateway' | 'catalog') => (((cpuTimeMs(pid(service)) - before[service]) * 1000) / result.requests).toFixed(0);
        process.stdout.write(`${mode} round ${round}: ${Math.round(result.rps)} req/s, gateway ${perRequest('gateway')} µs of CPU per request, catalog ${perRequest('catalog')} µs\n`);
      }
    } finally {
      await cleanUp();
    }
  }
  process.stdout.write(`the sink received ${sink.exports()} exports, ${(sink.bytes() / 1e6).toFixed(1)} MB; spans the services said they dropped (queue full): ${dropped}\n`);
} finally {
  await sink.close();
}
