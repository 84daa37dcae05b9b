import { Counter, Histogram, type Registry } from 'prom-client';
import { sharedMetric } from './metrics.js';

/** Records finished gRPC calls. */
export interface GrpcCallMetrics {
  /** One finished call: its full method path (`/pkg.Service/Method`), status code name and duration. */
  observe(path: string, code: string, seconds: number): void;
}

const BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The metrics of the go-grpc-prometheus convention, which gRPC dashboards and alerts expect:
 * `grpc_<side>_handled_total{grpc_type, grpc_service, grpc_method, grpc_code}` counts finished calls by
 * status, `grpc_<side>_handling_seconds{grpc_type, grpc_service, grpc_method}` their duration. Children
 * are kept per method and code, so a call hashes no labels.
 */
function callMetrics(registry: Registry, side: 'server' | 'client', help: string): GrpcCallMetrics {
  const handled = sharedMetric(
    registry,
    `grpc_${side}_handled_total`,
    () =>
      new Counter({
        name: `grpc_${side}_handled_total`,
        help: `Total number of RPCs completed on the ${side}, regardless of success or failure (${help}).`,
        labelNames: ['grpc_type', 'grpc_service', 'grpc_method', 'grpc_code'] as const,
        registers: [registry],
      }),
  );
  const handling = sharedMetric(
    registry,
    `grpc_${side}_handling_seconds`,
    () =>
      new Histogram({
        name: `grpc_${side}_handling_seconds`,
        help: `Histogram of response latency (seconds) of gRPC calls ${help}.`,
        labelNames: ['grpc_type', 'grpc_service', 'grpc_method'] as const,
        buckets: BUCKETS,
        registers: [registry],
      }),
  );
  const methods = new Map<string, { labels: { grpc_type: string; grpc_service: string; grpc_method: string }; timer: { observe(seconds: number): void } }>();
  const counters = new Map<string, { inc(): void }>();
  return {
    observe(path, code, seconds) {
      let method = methods.get(path);
      if (!method) {
        const slash = path.lastIndexOf('/');
        const labels = { grpc_type: 'unary', grpc_service: path.slice(1, slash), grpc_method: path.slice(slash + 1) };
        methods.set(path, (method = { labels, timer: handling.labels(labels) }));
      }
      const key = `${path} ${code}`;
      let counter = counters.get(key);
      if (!counter) counters.set(key, (counter = handled.labels({ ...method.labels, grpc_code: code })));
      method.timer.observe(seconds);
      counter.inc();
    },
  };
}

/** The metrics of the calls a gRPC server handled. */
export const grpcServerMetrics = (registry: Registry) => callMetrics(registry, 'server', 'handled by this server');

/** The metrics of the calls a gRPC client made (every dependency of the process). */
export const grpcClientMetrics = (registry: Registry) => callMetrics(registry, 'client', 'made by this process');
