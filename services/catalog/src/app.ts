import type Koa from 'koa';
import { createHttpApp } from '@switchyard/kit/http-service';
import type { Logger } from '@switchyard/kit/log';
import type { Metrics } from '@switchyard/kit/metrics';
import type { Readiness } from '@switchyard/kit/readiness';
import type { Config } from './config.js';
import { productRoutes } from './http/product-routes.js';
import type { Catalog } from './products/catalog.js';

export interface CatalogDeps {
  config: Readonly<Config>;
  log: Logger;
  metrics: Metrics;
  readiness: Readiness;
  catalog: Catalog;
}

/** The catalog HTTP app; no I/O happens here. */
export function createApp(deps: CatalogDeps): Koa {
  return createHttpApp({
    log: deps.log,
    metrics: deps.metrics,
    readiness: deps.readiness,
    bodyLimitBytes: deps.config.HTTP_BODY_LIMIT_BYTES,
    routes: (router) => productRoutes(router, deps.catalog, deps.config.PRODUCT_CACHE_MAX_AGE_SECONDS),
  });
}
