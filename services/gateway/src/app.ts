import type Koa from 'koa';
import { createHttpApp } from '@switchyard/kit/http-service';
import type { Logger } from '@switchyard/kit/log';
import type { Metrics } from '@switchyard/kit/metrics';
import type { Readiness } from '@switchyard/kit/readiness';
import type { Config } from './config.js';
import { authenticator } from './http/authenticate.js';
import { clientKey } from './http/client-address.js';
import type { LoadShedder } from './http/load-shedder.js';
import { proxyRoutes, type EdgeGuards } from './http/proxy-routes.js';
import { RateLimit } from './http/rate-limit.js';
import { ResponseCache } from './http/response-cache.js';
import { StreamCaps } from './http/stream-caps.js';
import type { Upstream } from './upstream/upstream.js';
import { withSessionCookie } from './web/cookie-session.js';
import { sessionRoutes } from './web/session-routes.js';
import { storefront } from './web/storefront.js';
import { systemRoutes } from './system/system-routes.js';
import type { SystemView } from './system/system-view.js';

export interface GatewayDeps {
  config: Readonly<Config>;
  log: Logger;
  metrics: Metrics;
  readiness: Readiness;
  upstreams: ReadonlyMap<string, Upstream>;
  loadShedder: LoadShedder;
  /** The system view's source, when SYSTEM_VIEW_ENABLED. */
  systemView?: SystemView | undefined;
}

/**
 * The public edge: every /api route shed under overload, rate limited, authenticated where needed and
 * proxied to its service; the browser session beside the bearer API; the storefront at /. Client
 * addresses come from X-Forwarded-For only for TRUSTED_PROXIES hops.
 */
export function createApp(deps: GatewayDeps): Koa {
  const { config, metrics } = deps;
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
  const limit = (policy: string, setting: Config['RATE_LIMIT_IP']) => new RateLimit(policy, setting, metrics.registry);
  const byAddress = (ctx: Koa.ParameterizedContext) => clientKey(ctx.ip);
  const guards: EdgeGuards = {
    shed: deps.loadShedder.middleware(),
    limitAddress: limit('ip', config.RATE_LIMIT_IP).middleware(byAddress),
    limitRoute: {
      // One limit for both logins (the bearer API's and the browser session's): they count together.
      sessions: limit('sessions', config.RATE_LIMIT_SESSIONS).middleware(byAddress),
      registrations: limit('registrations', config.RATE_LIMIT_REGISTRATIONS).middleware(byAddress),
    },
    authenticate,
    limitUser: limit('user', config.RATE_LIMIT_USER).middleware((ctx) => ctx.state.userId!),
    streams: new StreamCaps(config.SSE_MAX_STREAMS_PER_USER, config.SSE_MAX_STREAMS, metrics.registry),
  };
  const app = createHttpApp({
    log: deps.log,
    metrics,
    readiness: deps.readiness,
    bodyLimitBytes: config.HTTP_BODY_LIMIT_BYTES,
    rawBody: true,
    trustedProxies: config.TRUSTED_PROXIES,
    accessLog: { sample: config.ACCESS_LOG_SAMPLE, slowMs: config.ACCESS_LOG_SLOW_MS },
    routes: (router) => {
      const cache = config.RESPONSE_CACHE_MAX_BYTES > 0 ? new ResponseCache(config.RESPONSE_CACHE_MAX_BYTES, metrics.registry) : undefined;
      proxyRoutes(router, deps.upstreams, guards, deps.readiness, { timeoutMs: config.UPSTREAM_TIMEOUT_MS, registry: metrics.registry, cache });
      sessionRoutes(router, deps.upstreams, guards);
      systemRoutes(router, deps.systemView, guards, deps.readiness);
    },
  });
  // Whatever no route answered: the storefront's files, and index.html for its pages' paths.
  app.use(storefront(config.WEB_ROOT, deps.log));
  return app;
}
