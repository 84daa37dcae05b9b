import type Koa from 'koa';
import { createHttpApp } from '@switchyard/kit/http-service';
import type { Logger } from '@switchyard/kit/log';
import type { Metrics } from '@switchyard/kit/metrics';
import type { Readiness } from '@switchyard/kit/readiness';
import type { Config } from './config.js';
import { authenticator } from './http/authenticate.js';
import { proxyRoutes } from './http/proxy-routes.js';
import type { Upstream } from './upstream/upstream.js';
import { withSessionCookie } from './web/cookie-session.js';
import { sessionRoutes } from './web/session-routes.js';
import { storefront } from './web/storefront.js';

export interface GatewayDeps {
  config: Readonly<Config>;
  log: Logger;
  metrics: Metrics;
  readiness: Readiness;
  upstreams: ReadonlyMap<string, Upstream>;
}

/** The public edge: every /api route authenticated where needed and proxied to its service; the storefront at /. */
export function createApp(deps: GatewayDeps): Koa {
  const { config } = deps;
  const authenticate = withSessionCookie(authenticator({
    jwksUrl: config.JWKS_URL ?? new URL('/.well-known/jwks.json', config.USERS_URL[0]).href,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    refreshCooldownMs: config.JWKS_REFRESH_COOLDOWN_MS,
  }));
  const app = createHttpApp({
    log: deps.log,
    metrics: deps.metrics,
    readiness: deps.readiness,
    bodyLimitBytes: config.HTTP_BODY_LIMIT_BYTES,
    rawBody: true,
    routes: (router) => {
      proxyRoutes(router, deps.upstreams, authenticate, deps.readiness);
      sessionRoutes(router, deps.upstreams, authenticate);
    },
  });
  // Whatever no route answered: the storefront's files, and index.html for its pages' paths.
  app.use(storefront(config.WEB_ROOT, deps.log));
  return app;
}
