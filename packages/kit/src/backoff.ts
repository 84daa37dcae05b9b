import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The delay before retry `attempt` (0-based): exponential from `initialMs`, capped at `maxMs`, with
 * jitter (50–100 % of the step), so replicas that lost a dependency together do not retry in lockstep.
 * The one backoff of every reconnect loop in the kit (broker, LISTEN, EndpointSlices, start-up waits).
 */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.round(Math.min(maxMs, initialMs * 2 ** attempt) * (0.5 + Math.random() / 2));
}

/** Waits `ms`, or less when `signal` aborts first; never rejects (loops check the signal themselves). */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return;
  await sleep(ms, undefined, signal ? { signal } : undefined).catch(() => undefined);
}

/** Thrown where a start-up step stops because the process was asked to stop. */
export class StartAbortedError extends Error {
  constructor(step: string) {
    super(`stop requested while ${step}`);
    this.name = 'StartAbortedError';
  }
}

/** Throws StartAbortedError when `signal` has aborted. */
export function throwIfStopping(signal: AbortSignal | undefined, step: string): void {
  if (signal?.aborted) throw new StartAbortedError(step);
}
