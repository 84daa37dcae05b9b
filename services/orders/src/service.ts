import { fileURLToPath } from 'node:url';
import { remoteVerifier, requireUser } from '@switchyard/kit/auth';
import { startEventing } from '@switchyard/kit/eventing';
import { Failpoints, failpointRoutes } from '@switchyard/kit/failpoints';
import { OUTBOX_MIGRATIONS } from '@switchyard/kit/kit-migrations';
import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { startPeriodic } from '@switchyard/kit/periodic';
import { hostService, type StartOptions } from '@switchyard/kit/service-host';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { connectDependencies } from './dependencies/clients.js';
import { DECISION_AFTER_COMMIT } from './domain/decisions.js';
import { Ordering } from './domain/ordering.js';
import { registerOrderMetrics } from './observability/order-metrics.js';

/** Wires orders (event store, outbox relay, gRPC clients, expiry sweeper, HTTP) and starts listening. */
export function startOrders(config: Readonly<Config>, log: Logger, start: StartOptions = {}): Promise<StartedService> {
  return hostService(config, log, {
    name: 'orders',
    migrations: [fileURLToPath(new URL('../migrations', import.meta.url)), OUTBOX_MIGRATIONS],
    build: async ({ metrics, readiness, pool, signal, admin }) => {
      const deps = await connectDependencies(config, metrics.registry, log);
      const requireUserToken = requireUser(remoteVerifier(config, log), config.JWT_AUDIENCE);
      const failpoints = new Failpoints([DECISION_AFTER_COMMIT], { enabled: config.FAILPOINTS_ENABLED, log });
      failpointRoutes(admin, failpoints);
      const ordering = new Ordering({
        pool: pool!,
        deps,
        log,
        failpoints,
        settings: {
          orderTtlMs: config.ORDER_TTL_MS,
          paymentDeadlineMs: config.PAYMENT_DEADLINE_MS,
          reservationMarginMs: config.RESERVATION_MARGIN_MS,
          idempotencyTakeoverMs: config.IDEMPOTENCY_TAKEOVER_MS,
        },
      });
      const events = await startEventing(config, { log, metrics, readiness, pool: pool!, signal }, { service: 'orders', relay: true });
      registerOrderMetrics(metrics.registry, pool!);
      const sweeper = startPeriodic({ name: 'expiry sweeper', intervalMs: config.EXPIRY_SWEEP_INTERVAL_MS, log, run: () => ordering.expireOverdue() });
      return {
        app: createApp({ config, log, metrics, readiness, pool: pool!, ordering, requireUser: requireUserToken }),
        stop: [sweeper, ...events.stop, { name: 'grpc clients', run: async () => deps.close() }],
      };
    },
  }, start);
}
