import type Koa from 'koa';
import { createHttpApp } from '@switchyard/kit/http-service';
import type { Logger } from '@switchyard/kit/log';
import type { Metrics } from '@switchyard/kit/metrics';
import type { Readiness } from '@switchyard/kit/readiness';
import type { Config } from './config.js';
import { authenticator } from './http/authenticate.js';
import { clientKey } from './http/client-address.js';
import type { LoadShedder } from './http/load-shedder.js';
import { proxyRoutes } from './http/proxy-routes.js';
import { RateLimit } from './http/rate-limit.js';
import { StreamCaps } from './http/stream-caps.js';
import type { Upstream } from './upstream/upstream.js';

export interface GatewayDeps {
  config: Readonly<Config>;
  log: Logger;
  metrics: Metrics;
  readiness: Readiness;
  upstreams: ReadonlyMap<string, Upstream>;
  loadShedder: LoadShedder;
}

/**
 * The public edge: every /api route shed under overload, rate limited, authenticated where needed and
 * proxied to its service. Client addresses come from X-Forwarded-For only for TRUSTED_PROXIES hops.
 */
export function createApp(deps: GatewayDeps): Koa {
  const { config, metrics } = deps;
  const authenticate = authenticator({
    jwksUrl: config.JWKS_URL ?? new URL('/.well-known/jwks.json', config.USERS_URL[0]).href,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    refreshCooldownMs: config.JWKS_REFRESH_COOLDOWN_MS,
  });
  const limit = (policy: string, setting: Config['RATE_LIMIT_IP']) => new RateLimit(policy, setting, metrics.registry);
  const byAddress = (ctx: Koa.ParameterizedContext) => clientKey(ctx.ip);
  return createHttpApp({
    log: deps.log,
    metrics,
    readiness: deps.readiness,
    bodyLimitBytes: config.HTTP_BODY_LIMIT_BYTES,
    rawBody: true,
    trustedProxies: config.TRUSTED_PROXIES,
    routes: (router) =>
      proxyRoutes(
        router,
        deps.upstreams,
        {
          shed: deps.loadShedder.middleware(),
          limitAddress: limit('ip', config.RATE_LIMIT_IP).middleware(byAddress),
          limitRoute: {
            sessions: limit('sessions', config.RATE_LIMIT_SESSIONS).middleware(byAddress),
            registrations: limit('registrations', config.RATE_LIMIT_REGISTRATIONS).middleware(byAddress),
          },
          authenticate,
          limitUser: limit('user', config.RATE_LIMIT_USER).middleware((ctx) => ctx.state.userId!),
          streams: new StreamCaps(config.SSE_MAX_STREAMS_PER_USER, config.SSE_MAX_STREAMS, metrics.registry),
        },
        deps.readiness,
      ),
  });
}
