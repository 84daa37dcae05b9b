import type Koa from 'koa';
import { createHttpApp } from '@switchyard/kit/http-service';
import type { Logger } from '@switchyard/kit/log';
import type { Metrics } from '@switchyard/kit/metrics';
import type { Readiness } from '@switchyard/kit/readiness';
import type { Config } from './config.js';
import { authenticator } from './http/authenticate.js';
import { proxyRoutes } from './http/proxy-routes.js';
import type { Upstream } from './upstream/upstream.js';

export interface GatewayDeps {
  config: Readonly<Config>;
  log: Logger;
  metrics: Metrics;
  readiness: Readiness;
  upstreams: ReadonlyMap<string, Upstream>;
}

/** The public edge: every /api route authenticated where needed and proxied to its service. */
export function createApp(deps: GatewayDeps): Koa {
  const { config } = deps;
  const authenticate = authenticator({
    jwksUrl: config.JWKS_URL ?? new URL('/.well-known/jwks.json', config.USERS_URL[0]).href,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    refreshCooldownMs: config.JWKS_REFRESH_COOLDOWN_MS,
  });
  return createHttpApp({
    log: deps.log,
    metrics: deps.metrics,
    readiness: deps.readiness,
    bodyLimitBytes: config.HTTP_BODY_LIMIT_BYTES,
    rawBody: true,
    routes: (router) => proxyRoutes(router, deps.upstreams, authenticate, deps.readiness),
  });
}
