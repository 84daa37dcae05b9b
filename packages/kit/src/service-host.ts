import type { ServiceDefinition } from '@grpc/grpc-js';
import Router from '@koa/router';
import type Koa from 'koa';
import { throwIfStopping } from './backoff.js';
import { GrpcServer, type Authorize, type ServiceHandlers } from './grpc-server.js';
import { boundPort, closeServer, createAdminApp, listen } from './http-service.js';
import type { ShutdownStep, StartedService } from './lifecycle.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { migrate } from './migrate.js';
import { createPool, databaseCheck, waitForDatabase, type Pool } from './postgres.js';
import { Readiness } from './readiness.js';
import { flushTraces } from './tracing/flush.js';

/** The most a stopping service waits to hand its last spans to the collector. */
const TRACE_FLUSH_MS = 2_000;

interface HostConfig {
  /** The public API's port; a service without a public HTTP API (payments) has none. */
  HTTP_PORT?: number;
  ADMIN_PORT: number;
  HTTP_HOST: string;
  SHUTDOWN_TIMEOUT_MS: number;
  STARTUP_TIMEOUT_MS: number;
  DATABASE_URL?: string;
  DATABASE_POOL_MAX?: number;
  DATABASE_STATEMENT_TIMEOUT_MS?: number;
  GRPC_PORT?: number;
  GRPC_MAX_CONNECTION_AGE_MS?: number;
  GRPC_MAX_CONNECTION_AGE_GRACE_MS?: number;
}

/** What a service builds once its shared parts exist. */
export interface ServiceParts {
  /** The public HTTP API, if the service has one. */
  app?: Koa;
  // The handler types are checked where the service builds them.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  grpc?: { name: string; definition: ServiceDefinition; handlers: ServiceHandlers<any>; authorize?: Authorize };
  /** Run after the listeners closed and before the pool closes (consumers, relays, clients). */
  stop?: ShutdownStep[];
}

export interface HostDeps {
  log: Logger;
  metrics: Metrics;
  readiness: Readiness;
  /** The service's own database (migrated), when it has DATABASE_URL. */
  pool: Pool | undefined;
  /** Aborts when the process is asked to stop while starting: long waits in build() give up on it. */
  signal: AbortSignal | undefined;
  /** The admin port's router, for the service's own internal routes (never exposed by the public edge). */
  admin: Router;
}

export interface HostOptions {
  name: string;
  /** Directories of plain SQL migrations, applied under an advisory lock before anything serves. */
  migrations?: string | readonly string[];
  build: (deps: HostDeps) => Promise<ServiceParts>;
}

/** How a start function is run: runService passes the process's stop signal. */
export interface StartOptions {
  signal?: AbortSignal;
}

/**
 * The start of every service, written once, in this order: the admin listener (/healthz, /readyz
 * answering `starting`, /metrics), so probes get an answer from the first moment; the database, waited
 * for within STARTUP_TIMEOUT_MS, and its migrations; the parts the service builds; its gRPC server and
 * its public HTTP listener; then readiness. A stop signal during any of it stops what already started
 * and rejects with StartAbortedError. Shutdown steps close the public listeners first, then the
 * service's own steps, then the pool, and the admin listener last.
 */
export async function hostService(config: Readonly<HostConfig>, log: Logger, options: HostOptions, start: StartOptions = {}): Promise<StartedService> {
  const { signal } = start;
  const readiness = new Readiness();
  const metrics = createMetrics(options.name);
  const adminRoutes = new Router();
  const admin = await listen(createAdminApp({ log, metrics, readiness, extra: adminRoutes }), config.ADMIN_PORT, config.HTTP_HOST);
  const pool = config.DATABASE_URL
    ? createPool(config.DATABASE_URL, log, { applicationName: options.name, max: config.DATABASE_POOL_MAX, statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS })
    : undefined;
  const steps: ShutdownStep[] = [];
  // The admin listener closes last of all, then the spans still batched are sent (a no-op without tracing).
  const last: ShutdownStep[] = [
    { name: 'admin', run: () => closeServer(admin) },
    { name: 'traces', run: () => flushTraces(TRACE_FLUSH_MS) },
  ];
  if (pool) last.unshift({ name: 'database', run: () => pool.end() });
  try {
    if (pool) {
      await waitForDatabase(config.DATABASE_URL!, { timeoutMs: config.STARTUP_TIMEOUT_MS, log, signal });
      if (options.migrations) await migrate(pool, options.migrations, log, signal);
      readiness.add('database', databaseCheck(pool));
    }
    throwIfStopping(signal, 'starting');
    const parts = await options.build({ log, metrics, readiness, pool, signal, admin: adminRoutes });
    steps.push(...(parts.stop ?? []));
    throwIfStopping(signal, 'starting');

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
      grpc.addService(parts.grpc.name, parts.grpc.definition, parts.grpc.handlers, parts.grpc.authorize);
      grpcPort = await grpc.listen(config.GRPC_PORT, config.HTTP_HOST);
      // Calls in flight get most of the shutdown budget; the rest is left for pools to close.
      const graceMs = Math.max(100, Math.floor(config.SHUTDOWN_TIMEOUT_MS * 0.75));
      steps.unshift({ name: 'grpc', run: () => grpc.shutdown(graceMs) });
    }
    let httpPort: number | undefined;
    if (parts.app) {
      if (config.HTTP_PORT === undefined) throw new Error(`${options.name} serves HTTP but has no HTTP_PORT setting`);
      const server = await listen(parts.app, config.HTTP_PORT, config.HTTP_HOST);
      httpPort = boundPort(server);
      steps.unshift({ name: 'http', run: () => closeServer(server) });
    }
    steps.push(...last);
    readiness.markStarted();
    return { readiness, httpPort, adminPort: boundPort(admin), grpcPort, steps };
  } catch (err) {
    // Whatever started before the failure is stopped again, in order.
    for (const step of [...steps, ...last]) await step.run().catch(() => undefined);
    throw err;
  }
}
