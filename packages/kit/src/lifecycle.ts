import { pause } from './backoff.js';
import { ConfigError } from './config.js';
import { createLogger, type Logger } from './log.js';
import type { Readiness } from './readiness.js';
import { trapStopSignals, type StopSignals } from './signals.js';

export interface ShutdownStep {
  name: string;
  run: () => Promise<void>;
}

/** What a service's start function hands back: enough to drain and stop it. */
export interface StartedService {
  readiness: Readiness;
  /** The bound HTTP port of the API (useful when started on port 0); none for a gRPC-only service. */
  httpPort?: number | undefined;
  /** The bound admin port (/healthz, /readyz, /metrics). */
  adminPort?: number;
  /** The bound gRPC port, for services that serve gRPC. */
  grpcPort?: number;
  /** Run in order on shutdown: listeners first, then consumers, then pools. */
  steps: ShutdownStep[];
}

/** Drains and stops a started service in-process (what shutdown does, minus delay and exit). */
export async function stopService(service: StartedService): Promise<void> {
  service.readiness.startDraining();
  for (const step of service.steps) await step.run();
}

export interface ShutdownOptions {
  log: Logger;
  readiness: Readiness;
  /** Time between readiness turning 503 and the listeners closing, so endpoints are updated first. */
  drainDelayMs: number;
  /** After this the process exits with code 1, whatever is still hanging. */
  timeoutMs: number;
  /** Run in order after the drain delay: listeners first, then consumers, then pools. */
  steps: ShutdownStep[];
  exit?: (code: number) => void;
  /** The process's trapped stop signals (trapped here when not given). */
  signals?: StopSignals;
}

/**
 * Graceful shutdown on SIGTERM and SIGINT: readiness goes 503, the drain delay passes, each step
 * runs in order (servers stop accepting and finish in-flight work, then pools close), exit 0.
 * A second signal does not restart the sequence; the hard deadline forces exit 1 if a step hangs.
 */
export function handleShutdown(options: ShutdownOptions): { shutdown: (reason: string) => Promise<void> } {
  const { log, readiness } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let started: Promise<void> | undefined;

  const shutdown = (reason: string): Promise<void> => {
    started ??= (async () => {
      log.info({ reason, drainDelayMs: options.drainDelayMs }, 'shutdown started');
      readiness.startDraining();
      const deadline = exitAtDeadline(log, options.timeoutMs, exit);
      try {
        if (options.drainDelayMs > 0) await pause(options.drainDelayMs);
        for (const step of options.steps) {
          await step.run();
          log.debug({ step: step.name }, 'shutdown step done');
        }
        clearTimeout(deadline);
        log.info('shutdown complete');
        exit(0);
      } catch (err) {
        clearTimeout(deadline);
        log.error({ err }, 'shutdown failed');
        exit(1);
      }
    })();
    return started;
  };

  (options.signals ?? trapStopSignals()).onSignal((signal) => void shutdown(signal));
  return { shutdown };
}

/** Arms the hard deadline of a stop: past it the process exits 1, whatever still hangs. */
function exitAtDeadline(log: Logger, timeoutMs: number, exit: (code: number) => void): NodeJS.Timeout {
  const deadline = setTimeout(() => {
    log.error({ timeoutMs }, 'shutdown deadline passed, forcing exit');
    exit(1);
  }, timeoutMs);
  deadline.unref();
  return deadline;
}

interface ServiceConfig {
  LOG_LEVEL: string;
  INSTANCE_ID?: string | undefined;
  SHUTDOWN_DRAIN_DELAY_MS: number;
  SHUTDOWN_TIMEOUT_MS: number;
}

/** A service's entry points, loaded by runService after the stop signals are trapped. */
export interface ServiceEntry<C extends ServiceConfig> {
  readConfig: () => C;
  start: (config: C, log: Logger, options: { signal: AbortSignal }) => Promise<StartedService>;
}

/**
 * The whole of a service's main. It traps SIGTERM/SIGINT first (see signals.ts), then loads the
 * service's modules, reads the configuration once, creates the root logger and starts; a stop signal
 * that arrives while starting aborts the start, stops what already started within SHUTDOWN_TIMEOUT_MS
 * and exits 0; one that arrives later drains gracefully. An invalid configuration exits 1 listing every
 * problem; any other start-up failure is logged once and also exits 1.
 */
export function runService<C extends ServiceConfig>(service: string, load: () => Promise<ServiceEntry<C>>): void {
  const signals = trapStopSignals();
  let log = createLogger({ service, level: 'info' });
  const exit = (code: number) => setImmediate(() => process.exit(code)); // let pino flush first
  const main = async () => {
    const entry = await load();
    const config = entry.readConfig();
    log = createLogger({ service, level: config.LOG_LEVEL, instance: config.INSTANCE_ID });
    let starting = true;
    signals.onSignal((signal, count) => {
      if (!starting || count > 1) return;
      log.info({ signal }, `stop requested while starting: stopping what started (at most ${config.SHUTDOWN_TIMEOUT_MS} ms)`);
      exitAtDeadline(log, config.SHUTDOWN_TIMEOUT_MS, exit);
    });
    if (signals.signal.aborted) throw signals.signal.reason;
    log.info('starting');
    const started = await entry.start(config, log, { signal: signals.signal });
    starting = false;
    if (signals.signal.aborted) {
      // The stop came after the last step that checks for it: stop like any shutdown, without the drain delay.
      await stopService(started);
      throw signals.signal.reason;
    }
    log.info({ httpPort: started.httpPort, adminPort: started.adminPort, grpcPort: started.grpcPort }, `${service} started`);
    handleShutdown({
      log,
      readiness: started.readiness,
      drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
      timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      steps: started.steps,
      signals,
    });
  };
  main().catch((err: unknown) => {
    if (signals.signal.aborted) {
      log.info({ signal: signals.reason }, 'stopped before start-up finished');
      exit(0);
      return;
    }
    if (err instanceof ConfigError) {
      log.fatal({ problems: err.problems }, `invalid configuration: ${err.problems.join('; ')}`);
    } else {
      log.fatal({ err }, 'start-up failed');
    }
    exit(1);
  });
}
