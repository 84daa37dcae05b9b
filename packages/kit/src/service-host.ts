import type { ServiceDefinition } from '@grpc/grpc-js';
import type Koa from 'koa';
import { GrpcServer, type ServiceHandlers } from './grpc-server.js';
import { boundPort, closeServer, listen } from './http-service.js';
import type { ShutdownStep, StartedService } from './lifecycle.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { migrate } from './migrate.js';
import { createPool, databaseCheck, type Pool } from './postgres.js';
import { Readiness } from './readiness.js';

interface HostConfig {
  HTTP_PORT: number;
  HTTP_HOST: string;
  SHUTDOWN_TIMEOUT_MS: number;
  DATABASE_URL?: string;
  GRPC_PORT?: number;
  GRPC_MAX_CONNECTION_AGE_MS?: number;
  GRPC_MAX_CONNECTION_AGE_GRACE_MS?: number;
}

/** What a service builds once its shared parts exist. */
export interface ServiceParts {
  app: Koa;
  // The handler types are checked where the service builds them.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  grpc?: { name: string; definition: ServiceDefinition; handlers: ServiceHandlers<any> };
  /** Run after the listeners closed and before the pool closes (consumers, relays, clients). */
  stop?: ShutdownStep[];
}

export interface HostDeps {
  log: Logger;
  metrics: Metrics;
  readiness: Readiness;
  /** The service's own database (migrated), when it has DATABASE_URL. */
  pool: Pool | undefined;
}

export interface HostOptions {
  name: string;
  /** Directories of plain SQL migrations, applied under an advisory lock before anything serves. */
  migrations?: string | readonly string[];
  poolMax?: number;
  build: (deps: HostDeps) => Promise<ServiceParts>;
}

/**
 * The start of every service, written once: pool and migrations (when the service has a database),
 * readiness with a database check, metrics, then the parts the service builds, its gRPC server and
 * its HTTP listener. Shutdown steps close listeners first, then the service's own steps, then the pool.
 */
export async function hostService(config: Readonly<HostConfig>, log: Logger, options: HostOptions): Promise<StartedService> {
  const pool = config.DATABASE_URL ? createPool(config.DATABASE_URL, log, { applicationName: options.name, max: options.poolMax }) : undefined;
  const steps: ShutdownStep[] = [];
  try {
    if (pool && options.migrations) await migrate(pool, options.migrations, log);
    const readiness = new Readiness();
    if (pool) readiness.add('database', databaseCheck(pool));
    const metrics = createMetrics(options.name);
    const parts = await options.build({ log, metrics, readiness, pool });
    steps.push(...(parts.stop ?? []));

    let grpcPort: number | undefined;
    if (parts.grpc) {
      if (config.GRPC_PORT === undefined) throw new Error(`${options.name} serves gRPC but has no GRPC_PORT setting`);
      const grpc = new GrpcServer({
        log,
        registry: metrics.registry,
        readiness,
        maxConnectionAgeMs: config.GRPC_MAX_CONNECTION_AGE_MS ?? 300_000,
        maxConnectionAgeGraceMs: config.GRPC_MAX_CONNECTION_AGE_GRACE_MS ?? 15_000,
      });
      grpc.addService(parts.grpc.name, parts.grpc.definition, parts.grpc.handlers);
      grpcPort = await grpc.listen(config.GRPC_PORT, config.HTTP_HOST);
      // Calls in flight get most of the shutdown budget; the rest is left for pools to close.
      const graceMs = Math.max(100, Math.floor(config.SHUTDOWN_TIMEOUT_MS * 0.75));
      steps.unshift({ name: 'grpc', run: () => grpc.shutdown(graceMs) });
    }
    const server = await listen(parts.app, config.HTTP_PORT, config.HTTP_HOST);
    steps.unshift({ name: 'http', run: () => closeServer(server) });
    if (pool) steps.push({ name: 'database', run: () => pool.end() });
    return { readiness, httpPort: boundPort(server), grpcPort, steps };
  } catch (err) {
    // Whatever started before the failure is stopped again, in order.
    for (const step of steps) await step.run().catch(() => undefined);
    await pool?.end();
    throw err;
  }
}
