import type Koa from 'koa';
import type { Middleware } from 'koa';
import { createHttpApp } from '@switchyard/kit/http-service';
import type { Logger } from '@switchyard/kit/log';
import type { Metrics } from '@switchyard/kit/metrics';
import type { Readiness } from '@switchyard/kit/readiness';
import type { Accounts } from './accounts/accounts.js';
import type { ServiceClients } from './accounts/service-clients.js';
import type { TokenIssuer } from './accounts/token-issuer.js';
import type { Config } from './config.js';
import { userRoutes } from './http/routes.js';

export interface UsersDeps {
  config: Readonly<Config>;
  log: Logger;
  metrics: Metrics;
  readiness: Readiness;
  accounts: Accounts;
  tokens: TokenIssuer;
  clients: ServiceClients;
  requireUser: Middleware;
}

/** The users HTTP app; no I/O happens here. */
export function createApp(deps: UsersDeps): Koa {
  return createHttpApp({
    log: deps.log,
    metrics: deps.metrics,
    readiness: deps.readiness,
    bodyLimitBytes: deps.config.HTTP_BODY_LIMIT_BYTES,
    routes: (router) => userRoutes(router, deps),
  });
}
