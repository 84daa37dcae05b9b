import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import { jsonBody } from './body.js';
import { errorHandler } from './error-handler.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { Readiness } from './readiness.js';
import { requestContext, type AccessLogPolicy } from './request-context.js';
import { serverSpan } from './tracing/server-span.js';

export interface HttpServiceOptions {
  log: Logger;
  metrics: Metrics;
  readiness: Readiness;
  bodyLimitBytes: number;
  /** Forward bodies as raw bytes (the gateway) instead of parsing them. */
  rawBody?: boolean;
  /**
   * Proxy hops in front of the service whose X-Forwarded-For entries are believed (0: none, ctx.ip is
   * the socket's peer). Unset keeps trusting the header, as every service behind the gateway does.
   */
  trustedProxies?: number;
  /** Which finished requests get an access-log line (every one by default). */
  accessLog?: AccessLogPolicy;
  /** Adds the service's own routes. */
  routes: (router: Router) => void;
}

/**
 * Builds the public Koa app of a service: its trace span, context, errors, body, then its routes. It serves only the
 * API: health and metrics live on the admin port (createAdminApp), which the public edge never exposes.
 */
export function createHttpApp(options: HttpServiceOptions): Koa {
  const { log, metrics, readiness } = options;
  const app = baseApp();
  if (options.trustedProxies !== undefined) {
    app.proxy = options.trustedProxies > 0;
    app.maxIpsCount = options.trustedProxies;
  }
  const router = new Router();
  options.routes(router);

  app.use(serverSpan());
  app.use(requestContext(log, metrics, options.accessLog));
  app.use(errorHandler());
  app.use(async (ctx, next) => {
    // While draining, ask keep-alive clients to reconnect elsewhere after this response.
    if (readiness.draining) ctx.set('connection', 'close');
    await next();
  });
  app.use(jsonBody({ limitBytes: options.bodyLimitBytes, raw: options.rawBody ?? false }));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

export interface AdminAppOptions {
  log: Logger;
  metrics: Metrics;
  readiness: Readiness;
  /** More admin routes, added by the service as it builds (its failpoints in tests, say). */
  extra?: Router;
}

/**
 * The admin app, on its own port: GET /healthz (the process is alive), /readyz (it should get traffic:
 * started, not draining, its critical dependencies answer) and /metrics (Prometheus). It listens before
 * the service connects to anything, so probes see `starting` instead of a refused connection.
 */
export function createAdminApp(options: AdminAppOptions): Koa {
  const { metrics, readiness } = options;
  const app = baseApp();
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const result = await readiness.probe();
    ctx.status = result.ready ? 200 : 503;
    ctx.body = { status: result.status, checks: result.checks };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  app.use(requestContext(options.log, metrics));
  app.use(errorHandler());
  app.use(jsonBody({ limitBytes: 64 * 1024 }));
  app.use(router.routes());
  // The router dispatches over its routes at request time: those added after listen() are served too.
  if (options.extra) app.use(options.extra.routes());
  app.use(router.allowedMethods());
  return app;
}

function baseApp(): Koa {
  const app = new Koa();
  app.proxy = true;
  // Errors are logged once by the error handler; koa's default handler would print them again.
  app.silent = true;
  return app;
}

/**
 * Server timeouts, chosen on purpose:
 * - keepAliveTimeout 65 s: longer than the idle timeout of the callers in front (cloud load balancers
 *   use 60 s, undici 4 s), so the caller closes idle connections first and never writes into a socket
 *   the server is closing;
 * - headersTimeout 20 s and requestTimeout 30 s: a slow or stalled client cannot hold a socket
 *   indefinitely while sending its request (responses such as SSE streams are not limited by these);
 * - connectionsCheckingInterval 1 s: Node enforces the two above only when it sweeps its connections,
 *   every 30 s by default, so a slow-header socket lived ~50 s instead of 20.
 */
export const SERVER_TIMEOUTS = { keepAliveTimeout: 65_000, headersTimeout: 20_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 } as const;

/** Starts an HTTP server for a Koa app and resolves once it listens. */
export async function listen(app: Koa, port: number, host: string): Promise<Server> {
  const server = createServer({ connectionsCheckingInterval: SERVER_TIMEOUTS.connectionsCheckingInterval }, app.callback());
  server.keepAliveTimeout = SERVER_TIMEOUTS.keepAliveTimeout;
  server.headersTimeout = SERVER_TIMEOUTS.headersTimeout;
  server.requestTimeout = SERVER_TIMEOUTS.requestTimeout;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** The port a listening server is bound to. */
export function boundPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Stops accepting, lets in-flight requests finish, and closes keep-alive sockets as they go idle. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) return resolve();
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    server.close((err) => {
      clearInterval(sweep);
      if (err) reject(err);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

// Re-exported so that the Koa augmentations (ctx.request.body, ctx.state.requestId/log) travel
// with this module's declarations to every service that builds against the compiled kit.
export type { JsonBodyOptions } from './body.js';
export type { AccessLogPolicy, RequestContextState } from './request-context.js';
