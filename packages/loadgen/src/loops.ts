/** How one unit of work ended: a label (`201`, `402`, `ECONNRESET`, `timeout`) and whether it was expected. */
export interface Outcome {
  outcome: string;
  ok: boolean;
}

export type Task = (index: number) => Promise<Outcome>;

/** Called once per finished task with its latency in milliseconds. */
export type OnDone = (latencyMs: number, result: Outcome) => void;

export interface LoopResult {
  started: number;
  finished: number;
  /** Tasks still running when the loop gave up waiting for them (counted as `unfinished`). */
  unfinished: number;
  /**
   * Tasks started more than LATE_MS after their intended time, because maxInFlight were running or the
   * generator itself could not keep up (their delay is in their latency; many of them say: add capacity).
   */
  lateStarts: number;
  elapsedMs: number;
  /** Finished tasks per second over the loop's whole time. */
  achievedRate: number;
}

export interface OpenLoopOptions {
  /** Starts per second, evenly spaced. */
  rate: number;
  durationMs: number;
  /** Tasks running at once at most (sockets, memory); a start that is due waits for a free slot. */
  maxInFlight: number;
  task: Task;
  onDone: OnDone;
  /** Time given to tasks still running after the last start; what is left is reported as unfinished. */
  drainMs?: number;
  signal?: AbortSignal;
}

export const LATE_MS = 5;

/** The error label of a failed task: a Node/undici error code, else the error's name. */
export function outcomeOfError(err: unknown): Outcome {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : typeof e?.name === 'string' ? e.name : 'error';
  return { outcome: code, ok: false };
}

/**
 * The open-loop engine (the wrk2 model): task i is due at start + i/rate whatever happened to the ones
 * before it, and its latency is measured from that intended time, not from when it could actually be
 * sent. A system that falls behind therefore shows its queueing delay in the percentiles instead of
 * quietly slowing the load down (coordinated omission), which a closed loop (a fixed number of
 * clients, each waiting for its answer: wrk, autocannon) cannot show.
 */
export function runOpenLoop(options: OpenLoopOptions): Promise<LoopResult> {
  const { rate, durationMs, maxInFlight, task, onDone, signal } = options;
  if (!(rate > 0) || !(durationMs > 0) || !(maxInFlight > 0)) throw new Error('rate, duration and maxInFlight must be positive');
  const interval = 1000 / rate;
  const total = Math.max(1, Math.floor((durationMs * rate) / 1000));
  const t0 = performance.now();
  let next = 0;
  let inFlight = 0;
  let finished = 0;
  let lateStarts = 0;
  let timer: NodeJS.Timeout | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  let done: (result: LoopResult) => void = () => undefined;
  const result = new Promise<LoopResult>((resolve) => (done = resolve));
  let settled = false;

  const finish = () => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    clearTimeout(drainTimer);
    signal?.removeEventListener('abort', onAbort);
    const elapsedMs = performance.now() - t0;
    done({ started: next, finished, unfinished: inFlight, lateStarts, elapsedMs, achievedRate: (finished * 1000) / elapsedMs });
  };

  const launch = (index: number) => {
    const intended = t0 + index * interval;
    inFlight += 1;
    task(index)
      .catch(outcomeOfError)
      .then((outcome) => {
        if (settled) return;
        onDone(performance.now() - intended, outcome);
        inFlight -= 1;
        finished += 1;
        pump();
      });
  };

  const lastStartDone = () => next >= total || signal?.aborted === true;

  function pump(): void {
    if (settled) return;
    clearTimeout(timer);
    const now = performance.now();
    while (!lastStartDone() && inFlight < maxInFlight && t0 + next * interval <= now) {
      if (now - (t0 + next * interval) > LATE_MS) lateStarts += 1;
      launch(next++);
    }
    if (lastStartDone()) {
      if (inFlight === 0) finish();
      else drainTimer ??= setTimeout(finish, options.drainMs ?? 10_000);
      return;
    }
    // Below the cap the next start is armed; at the cap the next finishing task pumps again.
    if (inFlight < maxInFlight) timer = setTimeout(pump, Math.max(0, t0 + next * interval - performance.now()));
  }

  function onAbort(): void {
    pump();
  }
  signal?.addEventListener('abort', onAbort);
  pump();
  return result;
}

export interface ClosedLoopOptions {
  /** Tasks in flight at all times: each worker starts the next as soon as its last one finished. */
  concurrency: number;
  durationMs: number;
  task: Task;
  onDone: OnDone;
  signal?: AbortSignal;
}

/** A closed loop (what wrk does): the throughput a system reaches with `concurrency` requests in flight. */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<LoopResult> {
  const { concurrency, durationMs, task, onDone, signal } = options;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  let started = 0;
  let finished = 0;
  const worker = async () => {
    while (performance.now() < deadline && !signal?.aborted) {
      const index = started++;
      const begin = performance.now();
      const outcome = await task(index).catch(outcomeOfError);
      onDone(performance.now() - begin, outcome);
      finished += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - t0;
  return { started, finished, unfinished: 0, lateStarts: 0, elapsedMs, achievedRate: (finished * 1000) / elapsedMs };
}
