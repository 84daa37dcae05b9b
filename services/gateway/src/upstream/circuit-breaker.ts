import { Counter, Gauge, type Registry } from 'prom-client';
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, CountBreaker, circuitBreaker, handleAll, type CircuitBreakerPolicy, type IBreaker } from 'cockatiel';
import { UnavailableError } from '@switchyard/kit/errors';
import type { Logger } from '@switchyard/kit/log';
import { sharedMetric } from '@switchyard/kit/metrics';

export interface BreakerSettings {
  /** Failed calls in a row that open the breaker. */
  consecutiveFailures: number;
  /** Share of the last `window` calls that opens it, once `minCalls` were made. */
  failureRatio: number;
  window: number;
  minCalls: number;
  /** How long it stays open before one probe call may go through. */
  openMs: number;
}

/** Opens on whichever trips first: failures in a row, or the failure ratio over the last calls. */
class EitherBreaker implements IBreaker {
  constructor(
    private readonly first: IBreaker,
    private readonly second: IBreaker,
  ) {}

  get state(): unknown {
    return [this.first.state, this.second.state];
  }

  set state(value: unknown) {
    [this.first.state, this.second.state] = value as [unknown, unknown];
  }

  success(state: CircuitState): void {
    this.first.success(state);
    this.second.success(state);
  }

  failure(state: CircuitState): boolean {
    // Both see every failure, so neither window falls behind.
    const first = this.first.failure(state);
    const second = this.second.failure(state);
    return first || second;
  }
}

const STATE_NAMES: Record<CircuitState, string> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/** An answer the breaker counts as a failure: a 5xx from the upstream. */
const failedAnswer = (result: unknown) => typeof result === 'object' && result !== null && ((result as { status?: number }).status ?? 0) >= 500;

/**
 * The circuit breaker of one upstream (cockatiel): every call's outcome after its retries counts, so a
 * replica that the balancer can route around does not open it, while an upstream failing as a whole
 * does. Open, it answers 503 `upstream_circuit_open` at once; after `openMs` one probe goes through
 * (other calls wait for its outcome) and closes it again on success.
 */
export class UpstreamBreaker {
  readonly #policy: CircuitBreakerPolicy;
  #openedAt = 0;

  constructor(
    readonly upstream: string,
    private readonly settings: BreakerSettings,
    log: Logger,
    registry: Registry,
  ) {
    this.#policy = circuitBreaker(handleAll.orWhenResult(failedAnswer), {
      halfOpenAfter: settings.openMs,
      breaker: new EitherBreaker(
        new ConsecutiveBreaker(settings.consecutiveFailures),
        new CountBreaker({ threshold: settings.failureRatio, size: settings.window, minimumNumberOfCalls: settings.minCalls }),
      ),
    });
    const gauge = sharedMetric(
      registry,
      'gateway_upstream_circuit_state',
      () => new Gauge({ name: 'gateway_upstream_circuit_state', help: 'Circuit breaker state per upstream: 0 closed, 1 open, 2 half-open.', labelNames: ['upstream'], registers: [registry] }),
    );
    const transitions = sharedMetric(
      registry,
      'gateway_upstream_circuit_transitions_total',
      () => new Counter({ name: 'gateway_upstream_circuit_transitions_total', help: 'Circuit breaker state changes per upstream and new state.', labelNames: ['upstream', 'state'], registers: [registry] }),
    );
    gauge.set({ upstream }, CircuitState.Closed);
    this.#policy.onBreak(() => (this.#openedAt = Date.now()));
    this.#policy.onStateChange((state) => {
      const name = STATE_NAMES[state];
      gauge.set({ upstream }, state);
      transitions.inc({ upstream, state: name });
      const line = { upstream, state: name, ...(state === CircuitState.Open ? { openMs: settings.openMs } : {}) };
      if (state === CircuitState.Open) log.warn(line, 'circuit breaker state changed');
      else log.info(line, 'circuit breaker state changed');
    });
  }

  /** Runs one call through the breaker; while it is open, fails at once with 503 and Retry-After. */
  async execute<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await this.#policy.execute(call);
    } catch (err) {
      if (!(err instanceof BrokenCircuitError)) throw err;
      const remainingMs = this.#openedAt + this.settings.openMs - Date.now();
      throw new UnavailableError('upstream_circuit_open', `The ${this.upstream} service is failing; calls to it are paused.`, {
        headers: { 'retry-after': String(Math.max(1, Math.ceil(remainingMs / 1000))) },
      });
    }
  }
}
