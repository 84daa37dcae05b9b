import type Koa from 'koa';
import type { Middleware } from 'koa';
import { createHttpApp } from '@switchyard/kit/http-service';
import type { Logger } from '@switchyard/kit/log';
import type { Metrics } from '@switchyard/kit/metrics';
import type { Pool } from '@switchyard/kit/postgres';
import type { Readiness } from '@switchyard/kit/readiness';
import type { Config } from './config.js';
import type { Ordering } from './domain/ordering.js';
import { orderRoutes } from './http/order-routes.js';

export interface OrdersDeps {
  config: Readonly<Config>;
  log: Logger;
  metrics: Metrics;
  readiness: Readiness;
  /** Requires a valid user token (sets ctx.state.userId). */
  requireUser: Middleware;
  pool: Pool;
  ordering: Ordering;
}

/** The orders HTTP app; no I/O happens here. */
export function createApp(deps: OrdersDeps): Koa {
  return createHttpApp({
    log: deps.log,
    metrics: deps.metrics,
    readiness: deps.readiness,
    bodyLimitBytes: deps.config.HTTP_BODY_LIMIT_BYTES,
    routes: (router) => {
      // Every route acts for a user, proven by the token the gateway forwards.
      router.use(deps.requireUser);
      orderRoutes(router, deps.ordering, deps.pool);
    },
  });
}
