/**
 * The stop signals of a process, trapped once, as early as possible. In a container node runs as PID 1,
 * and the kernel drops SIGTERM for PID 1 unless a handler exists: a service that installed its handler
 * only after start-up would ignore `kubectl delete` while it migrates or waits for a broker, and be
 * killed at the end of the grace period. So runService() traps SIGTERM/SIGINT before it loads the
 * service's modules, and every later phase (start-up, serving, draining) listens here.
 */
export interface StopSignals {
  /** Aborts on the first SIGTERM or SIGINT. */
  readonly signal: AbortSignal;
  /** The signal's name once one arrived. */
  readonly reason: NodeJS.Signals | undefined;
  /** Calls `listener` on every stop signal (the first one included, also if it came before). */
  onSignal(listener: (signal: NodeJS.Signals, count: number) => void): void;
}

let trapped: StopSignals | undefined;

/** Installs the SIGTERM/SIGINT handlers (once per process) and returns the shared state. */
export function trapStopSignals(): StopSignals {
  if (trapped) return trapped;
  const controller = new AbortController();
  const listeners: Array<(signal: NodeJS.Signals, count: number) => void> = [];
  const received: NodeJS.Signals[] = [];
  const state: StopSignals = {
    signal: controller.signal,
    get reason() {
      return received[0];
    },
    onSignal(listener) {
      listeners.push(listener);
      received.forEach((signal, i) => listener(signal, i + 1));
    },
  };
  for (const name of ['SIGTERM', 'SIGINT'] as const) {
    process.on(name, () => {
      received.push(name);
      if (!controller.signal.aborted) controller.abort(name);
      for (const listener of listeners) listener(name, received.length);
    });
  }
  trapped = state;
  return state;
}
