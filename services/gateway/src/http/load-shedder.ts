import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Middleware } from 'koa';
import { Counter, Gauge, type Registry } from 'prom-client';
import { UnavailableError } from '@switchyard/kit/errors';
import type { Logger } from '@switchyard/kit/log';

const RESOLUTION_MS = 10;

export interface LoadShedderOptions {
  /** Mean event-loop delay past which /api requests are refused; 0 never sheds. */
  thresholdMs: number;
  sampleMs: number;
  /** Samples in a row past the threshold before shedding starts (and under it before it stops). */
  consecutiveSamples: number;
  log: Logger;
  registry: Registry;
}

/**
 * Refuses /api requests early with 503 `overloaded` while the event loop lags: past that point every
 * request queued behind the others only waits longer and takes the rest down with it. The lag is the
 * mean delay of perf_hooks' event-loop timer over each sample (less its resolution), as
 * @fastify/under-pressure measures it; that plugin is Fastify-only, so the few lines live here. It
 * acts on a lag that lasts (consecutiveSamples in a row), not on one slow sample: a freshly started pod
 * compiling its hot paths, a GC pause or a moment of CPU throttling would otherwise turn requests that
 * were only slow into failures. The admin port never goes through this, so probes and metrics still answer.
 */
export class LoadShedder {
  readonly #histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  readonly #delay: Gauge;
  readonly #shed: Counter;
  #timer: NodeJS.Timeout | undefined;
  #overloaded = false;
  /** Samples in a row that disagreed with the current state. */
  #streak = 0;

  constructor(private readonly options: LoadShedderOptions) {
    const { registry } = options;
    this.#delay = new Gauge({ name: 'gateway_event_loop_delay_seconds', help: 'Mean event-loop delay over the last sample, as load shedding sees it.', registers: [registry] });
    this.#shed = new Counter({ name: 'gateway_shed_requests_total', help: 'Requests refused with 503 overloaded.', registers: [registry] });
  }

  get overloaded(): boolean {
    return this.#overloaded;
  }

  start(): void {
    if (this.options.thresholdMs === 0 || this.#timer) return;
    this.#histogram.enable();
    this.#timer = setInterval(() => this.#sample(), this.options.sampleMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#histogram.disable();
    this.#overloaded = false;
    this.#streak = 0;
  }

  /** Refuses the request with 503 and Retry-After while the gateway is overloaded. */
  middleware(): Middleware {
    return async (_ctx, next) => {
      if (this.#overloaded) {
        this.#shed.inc();
        throw new UnavailableError('overloaded', 'The gateway is overloaded; try again shortly.', { headers: { 'retry-after': '1' } });
      }
      await next();
    };
  }

  #sample(): void {
    // No tick of the delay timer since the last sample says nothing new (the loop may have been blocked throughout).
    if (this.#histogram.count === 0) return;
    const delayMs = Math.max(0, this.#histogram.mean / 1e6 - RESOLUTION_MS);
    this.#histogram.reset();
    this.#delay.set(delayMs / 1000);
    const overloaded = delayMs > this.options.thresholdMs;
    if (overloaded === this.#overloaded) {
      this.#streak = 0;
      return;
    }
    this.#streak += 1;
    if (this.#streak < this.options.consecutiveSamples) return;
    this.#streak = 0;
    this.#overloaded = overloaded;
    const line = { eventLoopDelayMs: Math.round(delayMs), thresholdMs: this.options.thresholdMs };
    if (overloaded) this.options.log.warn(line, 'load shedding started');
    else this.options.log.info(line, 'load shedding stopped');
  }
}
