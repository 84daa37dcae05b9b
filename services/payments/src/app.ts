import type Koa from 'koa';
import { failpointRoutes, type Failpoints } from '@switchyard/kit/failpoints';
import { createHttpApp } from '@switchyard/kit/http-service';
import type { Logger } from '@switchyard/kit/log';
import type { Metrics } from '@switchyard/kit/metrics';
import type { Readiness } from '@switchyard/kit/readiness';
import type { Config } from './config.js';

export interface PaymentsDeps {
  config: Readonly<Config>;
  log: Logger;
  metrics: Metrics;
  readiness: Readiness;
  failpoints: Failpoints;
}

/** The payments HTTP app: health and metrics only (payments speak gRPC), and failpoints in tests. */
export function createApp(deps: PaymentsDeps): Koa {
  return createHttpApp({
    log: deps.log,
    metrics: deps.metrics,
    readiness: deps.readiness,
    bodyLimitBytes: deps.config.HTTP_BODY_LIMIT_BYTES,
    routes: (router) => failpointRoutes(router, deps.failpoints),
  });
}
