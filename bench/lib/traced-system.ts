import { LOAD_TEST_GATEWAY_ENV } from '@switchyard/devstack/config';
import { SERVICES } from '@switchyard/devstack/service-catalog';
import type { Logger } from '@switchyard/kit/log';
import { startTestSystem } from '../../test/support/local-system.js';
import { freeSystemPorts } from '../../test/support/ports.js';

export interface TracedSystemOptions {
  /** Names the system in the log. */
  label: string;
  /** The OTEL_* variables every service gets (none: tracing off); each also gets its OTEL_SERVICE_NAME. */
  tracing: Record<string, string>;
  log: Logger;
  /** Spans a service said it dropped (its BatchSpanProcessor's queue was full); needs OTEL_LOG_LEVEL=warn. */
  onDropped?: (spans: number) => void;
  /** Extra node flags per service (--cpu-prof, a preload). */
  serviceNodeFlags?: Record<string, string[]>;
}

/**
 * A local system for the tracing benchmarks: services log warnings and worse only (what went wrong, and
 * the SDK's own plain-text warnings, reach stderr), the gateway's per-client limits are out of wrk's
 * reach (as in `npm run bench`), and the tracing variables are the only difference between systems.
 */
export async function startTracedSystem(options: TracedSystemOptions): ReturnType<typeof startTestSystem> {
  const traced = Object.keys(options.tracing).length > 0;
  return startTestSystem(await freeSystemPorts(), {
    serviceLogLevel: 'warn',
    log: options.log.child({ system: options.label }),
    onServiceLine: (label, line) => {
      const drops = /Dropped (\d+) spans because maxQueueSize reached/.exec(line);
      if (drops) options.onDropped?.(Number(drops[1]));
      else if (/"level":"(error|fatal)"/.test(line) || !line.startsWith('{')) process.stderr.write(`${label} ${line}\n`);
    },
    serviceEnv: Object.fromEntries(
      SERVICES.map((s) => [s.name, { ...options.tracing, ...(traced ? { OTEL_SERVICE_NAME: s.name } : {}), ...(s.name === 'gateway' ? LOAD_TEST_GATEWAY_ENV : {}) }]),
    ),
    ...(options.serviceNodeFlags ? { serviceNodeFlags: options.serviceNodeFlags } : {}),
  });
}
