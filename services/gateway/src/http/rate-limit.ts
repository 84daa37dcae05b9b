import type { Middleware, ParameterizedContext } from 'koa';
import { Counter, type Registry } from 'prom-client';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '@switchyard/kit/errors';
import { sharedMetric } from '@switchyard/kit/metrics';
import type { RateLimitSetting } from '../config.js';

/** How one named limit stood after a request counted against it. */
export interface RateLimitOutcome {
  policy: string;
  quota: number;
  windowSeconds: number;
  remaining: number;
  resetSeconds: number;
  limited: boolean;
}

declare module 'koa' {
  interface DefaultState {
    /** The limits this request counted against so far, for the RateLimit headers. */
    rateLimits?: RateLimitOutcome[];
  }
}

/**
 * The RateLimit-Policy and RateLimit fields of draft-ietf-httpapi-ratelimit-headers-10 (structured-field
 * lists, one item per policy: `"ip";q=600;w=60` and `"ip";r=599;t=60`).
 */
export function rateLimitHeaders(outcomes: readonly RateLimitOutcome[]): Record<string, string> {
  return {
    'ratelimit-policy': outcomes.map((o) => `"${o.policy}";q=${o.quota};w=${o.windowSeconds}`).join(', '),
    ratelimit: outcomes.map((o) => `"${o.policy}";r=${o.remaining};t=${o.resetSeconds}`).join(', '),
  };
}

/**
 * One named limit: so many requests per fixed window and key (rate-limiter-flexible, in memory). The
 * counts live in this gateway replica only, so N replicas admit up to N × the limit in all.
 */
export class RateLimit {
  readonly #limiter: RateLimiterMemory;
  readonly #refused: Counter<'policy'>;

  constructor(
    readonly policy: string,
    readonly setting: RateLimitSetting,
    registry: Registry,
  ) {
    this.#limiter = new RateLimiterMemory({ keyPrefix: policy, points: setting.points, duration: setting.seconds });
    this.#refused = sharedMetric(
      registry,
      'gateway_rate_limited_total',
      () => new Counter({ name: 'gateway_rate_limited_total', help: 'Requests refused with 429, per rate-limit policy.', labelNames: ['policy'], registers: [registry] }),
    );
  }

  /** Counts one request of `key`; a request past the limit still counts, so a flood stays refused. */
  async take(key: string): Promise<RateLimitOutcome> {
    let res: RateLimiterRes;
    let limited = false;
    try {
      res = await this.#limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      res = rejection;
      limited = true;
    }
    return {
      policy: this.policy,
      quota: this.setting.points,
      windowSeconds: this.setting.seconds,
      remaining: res.remainingPoints,
      resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
      limited,
    };
  }

  /**
   * Middleware counting each request against this limit under `keyOf(ctx)`: it adds the limit to the
   * RateLimit headers, and past it answers 429 `rate_limited` with Retry-After.
   */
  middleware(keyOf: (ctx: ParameterizedContext) => string): Middleware {
    return async (ctx, next) => {
      const outcome = await this.take(keyOf(ctx));
      const outcomes = (ctx.state.rateLimits ??= []);
      outcomes.push(outcome);
      const headers = rateLimitHeaders(outcomes);
      ctx.set(headers);
      if (outcome.limited) {
        this.#refused.inc({ policy: this.policy });
        throw new AppError(429, 'rate_limited', `Rate limit "${this.policy}" (${outcome.quota} requests per ${outcome.windowSeconds} s) reached; retry in ${outcome.resetSeconds} s.`, {
          headers: { ...headers, 'retry-after': String(outcome.resetSeconds) },
          extensions: { policy: this.policy },
        });
      }
      await next();
    };
  }
}
