import type { ShutdownStep } from './lifecycle.js';
import type { Logger } from './log.js';

export interface PeriodicTask {
  /** Named in logs and in the shutdown step. */
  name: string;
  intervalMs: number;
  run: () => Promise<unknown>;
  log: Logger;
}

/**
 * Runs a background task every intervalMs in this process (sweepers, reconcilers): never two runs at
 * once (a tick while one runs is skipped), a failed run is logged and tried again at the next tick,
 * and the returned shutdown step stops the timer and waits for a run in progress.
 */
export function startPeriodic(task: PeriodicTask): ShutdownStep {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= task
      .run()
      .then(() => undefined, (err: unknown) => task.log.warn({ err, task: task.name }, `${task.name} failed; trying again at the next tick`))
      .finally(() => (running = undefined));
  }, task.intervalMs);
  return {
    name: task.name,
    run: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
