/**
 * The tracing bootstrap. Every service starts with it, before its own modules:
 *
 *   node --import @switchyard/kit/tracing/register dist/main.js
 *
 * ES modules are bound when they are linked, so an instrumentation can only patch a module (pg, koa,
 * grpc-js…) that is loaded after it registered its hook: that is why this runs through `--import` and
 * not as the first line of main. It traps SIGTERM/SIGINT first, as runService would (a container's
 * PID 1 must not ignore a stop while the SDK loads). Tracing is on when an OTLP endpoint is configured
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and OTEL_SDK_DISABLED is not
 * true; otherwise nothing is loaded, hooked or patched, and the process runs as if it were absent.
 */
import { register } from 'node:module';
import { trapStopSignals } from '../signals.js';
import { readTracingSettings, type TracingSettings } from './settings.js';

trapStopSignals();
let settings: TracingSettings | undefined;
try {
  settings = readTracingSettings(process.env, process.argv[1]);
} catch (err) {
  // pino is loaded only now, on the way out: loaded before the hooks, it would never be patched.
  const { createLogger } = await import('../log.js');
  createLogger({ service: 'tracing', level: 'info' }).fatal({ err }, `invalid tracing configuration: ${(err as Error).message}`);
  process.exit(1);
}
if (settings.enabled) {
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  // Only the modules an instrumentation asks for go through the hook; the rest load untouched.
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  const { startTracing } = await import('./sdk.js');
  startTracing(settings);
  await waitForAllMessagesAcknowledged();
}
