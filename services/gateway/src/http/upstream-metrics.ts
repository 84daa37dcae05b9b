import { Histogram, type Registry } from 'prom-client';
import { AppError } from '@switchyard/kit/errors';
import { sharedMetric } from '@switchyard/kit/metrics';

const NAME = 'gateway_upstream_request_duration_seconds';

/** Measures the gateway's calls to its upstreams. */
export interface UpstreamMetrics {
  /** Runs one upstream call and records its duration under the status it ended with. */
  measure<T extends { status: number }>(upstream: string, route: { method: string; path: string }, call: () => Promise<T>): Promise<T>;
}

/**
 * RED per upstream in one histogram: its count is the rate, its status label the errors (the
 * upstream's own status, or the gateway's 503/504 when no answer came in time), its buckets the
 * duration, all by upstream, public route template and method. Retries inside one call count once,
 * with the time of all attempts.
 */
export function upstreamMetrics(registry: Registry): UpstreamMetrics {
  const duration = sharedMetric(
    registry,
    NAME,
    () =>
      new Histogram({
        name: NAME,
        help: 'Calls from the gateway to an upstream service (retries included), by upstream, route template, method and status.',
        labelNames: ['upstream', 'route', 'method', 'status'] as const,
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [registry],
      }),
  );
  return {
    async measure(upstream, route, call) {
      const started = process.hrtime.bigint();
      const observe = (status: number) =>
        duration.observe({ upstream, route: route.path, method: route.method, status: String(status) }, Number(process.hrtime.bigint() - started) / 1e9);
      try {
        const res = await call();
        observe(res.status);
        return res;
      } catch (err) {
        observe(err instanceof AppError ? err.status : 500);
        throw err;
      }
    },
  };
}
