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
  const users = deps.upstreams.get('users')!;
  // A browser's session cookie becomes its bearer token here (withSessionCookie), before verification.
  const authenticate = withSessionCookie(authenticator({
    // The key set comes through the users upstream like any call: any ready replica, with its retries.
    fetchKeySet: async () => {
      const res = await users.request({ method: 'GET', path: '/.well-known/jwks.json', headers: { accept: 'application/json' }, idempotent: true });
      if (res.status !== 200) throw new Error(`users answered ${res.status} for its key set`);
      return JSON.parse(res.body.toString('utf8'));
    },
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    maxAgeSeconds: config.JWT_MAX_AGE_SECONDS,
    refreshCooldownMs: config.JWKS_REFRESH_COOLDOWN_MS,
    log: deps.log.child({ area: 'auth' }),
  }));
  const app = createHttpApp({
    log: deps.log,
    metrics: deps.metrics,
    readiness: deps.readiness,
    bodyLimitBytes: config.HTTP_BODY_LIMIT_BYTES,
    rawBody: true,
    routes: (router) => {
      proxyRoutes(router, deps.upstreams, authenticate, deps.readiness, { timeoutMs: config.UPSTREAM_TIMEOUT_MS, registry: deps.metrics.registry });
      sessionRoutes(router, deps.upstreams, authenticate);
    },
  });
  // Whatever no route answered: the storefront's files, and index.html for its pages' paths.
  app.use(storefront(config.WEB_ROOT, deps.log));
  return app;
}
