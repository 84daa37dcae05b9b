import type { ServiceDefinition } from '@grpc/grpc-js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { GrpcServer, type ServiceHandlers } from './grpc-server.js';
import type { Readiness } from './readiness.js';
import type { ShutdownStep } from './lifecycle.js';

interface GrpcSettings {
  GRPC_PORT: number;
  GRPC_MAX_CONNECTION_AGE_MS: number;
  GRPC_MAX_CONNECTION_AGE_GRACE_MS: number;
  HTTP_HOST: string;
  SHUTDOWN_TIMEOUT_MS: number;
}

/** Starts a service's gRPC server with one service on it; returns its port and its shutdown step. */
export async function serveGrpc<D extends ServiceDefinition>(
  config: Readonly<GrpcSettings>,
  deps: { log: Logger; metrics: Metrics; readiness: Readiness },
  service: { name: string; definition: D; handlers: ServiceHandlers<D> },
): Promise<{ port: number; step: ShutdownStep }> {
  const server = new GrpcServer({
    log: deps.log,
    registry: deps.metrics.registry,
    readiness: deps.readiness,
    maxConnectionAgeMs: config.GRPC_MAX_CONNECTION_AGE_MS,
    maxConnectionAgeGraceMs: config.GRPC_MAX_CONNECTION_AGE_GRACE_MS,
  });
  server.addService(service.name, service.definition, service.handlers);
  const port = await server.listen(config.GRPC_PORT, config.HTTP_HOST);
  // Calls in flight get most of the shutdown budget; the rest is left for pools to close.
  const graceMs = Math.max(100, Math.floor(config.SHUTDOWN_TIMEOUT_MS * 0.75));
  return { port, step: { name: 'grpc', run: () => server.shutdown(graceMs) } };
}
