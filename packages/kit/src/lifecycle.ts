import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from './config.js';
import { createLogger, type Logger } from './log.js';
import type { Readiness } from './readiness.js';

export interface ShutdownStep {
  name: string;
  run: () => Promise<void>;
}

/** What a service's start function hands back: enough to drain and stop it. */
export interface StartedService {
  readiness: Readiness;
  /** The bound HTTP port (useful when started on port 0). */
  httpPort: number;
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
      const deadline = setTimeout(() => {
        log.error({ timeoutMs: options.timeoutMs }, 'shutdown deadline passed, forcing exit');
        exit(1);
      }, options.timeoutMs);
      deadline.unref();
      try {
        if (options.drainDelayMs > 0) await sleep(options.drainDelayMs);
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

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => void shutdown(signal));
  }
  return { shutdown };
}

interface ServiceConfig {
  LOG_LEVEL: string;
  INSTANCE_ID?: string | undefined;
  SHUTDOWN_DRAIN_DELAY_MS: number;
  SHUTDOWN_TIMEOUT_MS: number;
}

/**
 * The whole of a service's main: read the configuration once, create the root logger, start, and
 * stop gracefully on SIGTERM/SIGINT. An invalid configuration exits 1 listing every problem; any
 * other start-up failure is logged once and also exits 1.
 */
export function runService<C extends ServiceConfig>(
  service: string,
  readConfig: () => C,
  start: (config: C, log: Logger) => Promise<StartedService>,
): void {
  const main = async () => {
    const config = readConfig();
    const log = createLogger({ service, level: config.LOG_LEVEL, instance: config.INSTANCE_ID });
    const started = await start(config, log);
    log.info({ httpPort: started.httpPort, grpcPort: started.grpcPort }, `${service} started`);
    handleShutdown({
      log,
      readiness: started.readiness,
      drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
      timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      steps: started.steps,
    });
  };
  main().catch((err: unknown) => {
    const log = createLogger({ service, level: 'info' });
    if (err instanceof ConfigError) {
      log.fatal({ problems: err.problems }, `invalid configuration: ${err.problems.join('; ')}`);
    } else {
      log.fatal({ err }, 'start-up failed');
    }
    // Let pino flush before leaving.
    setImmediate(() => process.exit(1));
  });
}
