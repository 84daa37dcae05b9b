import { METHODS } from 'node:http';
import type { Readable } from 'node:stream';
import type Router from '@koa/router';
import type { Middleware, ParameterizedContext } from 'koa';
import type { Registry } from 'prom-client';
import { DEADLINE_HEADER, deadlineHeader } from '@switchyard/kit/deadline';
import { REQUEST_ID_HEADER } from '@switchyard/kit/identity';
import type { Readiness } from '@switchyard/kit/readiness';
import { manualTraceparent } from '@switchyard/kit/tracing/context';
import type { Upstream, UpstreamResponse } from '../upstream/upstream.js';
import { asksToRevalidate, type ResponseCache } from './response-cache.js';
import type { StreamCaps } from './stream-caps.js';
import { upstreamMetrics, type UpstreamMetrics } from './upstream-metrics.js';

/** One public route and where it goes. */
export interface ProxyRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Public path under /api, with :params. */
  path: string;
  upstream: string;
  /** Path on the upstream; :params are filled from the public path. */
  target: string;
  auth: boolean;
  /** A long-lived response (SSE) passed through unbuffered as it arrives. */
  stream?: boolean;
  /** A stricter per-address rate limit of its own, on top of the general ones. */
  limit?: 'sessions' | 'registrations';
  /** The route's budget when it differs from the gateway's UPSTREAM_TIMEOUT_MS. */
  timeoutMs?: number;
  /** A public GET whose answers the gateway may cache, as far as their Cache-Control allows. */
  cacheable?: boolean;
}

/** What every proxied route shares. */
export interface ProxyOptions {
  /** The budget of a route without one of its own (UPSTREAM_TIMEOUT_MS). */
  timeoutMs: number;
  /** Where the per-upstream request metrics go. */
  registry: Registry;
  /** The cache of the cacheable routes (none: they are proxied like the others). */
  cache?: ResponseCache | undefined;
}

/** The public API: every route the gateway exposes, in one table. */
export const ROUTES: readonly ProxyRoute[] = [
  { method: 'POST', path: '/api/users', upstream: 'users', target: '/users', auth: false, limit: 'registrations' },
  { method: 'POST', path: '/api/sessions', upstream: 'users', target: '/sessions', auth: false, limit: 'sessions' },
  { method: 'GET', path: '/api/users/me', upstream: 'users', target: '/users/me', auth: true },
  { method: 'GET', path: '/api/products', upstream: 'catalog', target: '/products', auth: false, cacheable: true },
  { method: 'GET', path: '/api/products/:id', upstream: 'catalog', target: '/products/:id', auth: false, cacheable: true },
  { method: 'POST', path: '/api/orders', upstream: 'orders', target: '/orders', auth: true },
  { method: 'GET', path: '/api/orders', upstream: 'orders', target: '/orders', auth: true },
  { method: 'GET', path: '/api/orders/:id', upstream: 'orders', target: '/orders/:id', auth: true },
  { method: 'GET', path: '/api/orders/:id/history', upstream: 'orders', target: '/orders/:id/history', auth: true },
  { method: 'POST', path: '/api/orders/:id/pay', upstream: 'orders', target: '/orders/:id/pay', auth: true },
  { method: 'POST', path: '/api/orders/:id/cancel', upstream: 'orders', target: '/orders/:id/cancel', auth: true },
  { method: 'GET', path: '/api/notifications', upstream: 'notifications', target: '/notifications', auth: true },
  { method: 'GET', path: '/api/notifications/stream', upstream: 'notifications', target: '/notifications/stream', auth: true, stream: true },
];

// Only these client headers travel upstream; everything else is dropped. The Authorization header
// travels only on authenticated routes, after the gateway verified the token in it.
const FORWARDED_REQUEST_HEADERS = ['content-type', 'accept', 'if-none-match', 'if-match', 'idempotency-key', 'last-event-id'];
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'etag', 'cache-control', 'age', 'last-modified', 'retry-after', 'vary', 'www-authenticate'];
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

function fillParams(template: string, params: Record<string, string>): string {
  return template.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

function upstreamHeaders(ctx: ParameterizedContext): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = ctx.get(name);
    if (value) headers[name] = value;
  }
  headers[REQUEST_ID_HEADER] = ctx.state.requestId;
  Object.assign(headers, manualTraceparent(ctx.state.traceparent));
  if (ctx.state.token) headers.authorization = `Bearer ${ctx.state.token}`;
  return headers;
}

function copyResponseHeaders(ctx: ParameterizedContext, headers: Record<string, string | string[] | undefined>): void {
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = headers[name];
    if (value !== undefined) ctx.set(name, value);
  }
}

/**
 * Passes a Server-Sent Events stream through as it arrives; the upstream call ends with the client's.
 * The stream counts against the user's and the gateway's stream caps until the response closes.
 */
function proxyStream(route: ProxyRoute, upstream: Upstream, openStreams: Set<Readable>, caps: StreamCaps, readiness: Readiness): Middleware {
  return async (ctx) => {
    const release = caps.acquire(ctx.state.userId!);
    ctx.res.once('close', release);
    const aborted = new AbortController();
    ctx.req.on('close', () => aborted.abort());
    const res = await upstream.stream({ method: route.method, path: route.target, headers: upstreamHeaders(ctx), idempotent: true }, aborted.signal);
    if (!res) {
      // The client left before the stream opened: there is no one to answer.
      ctx.respond = false;
      return;
    }
    copyResponseHeaders(ctx, res.headers);
    ctx.status = res.status;
    ctx.set('x-accel-buffering', 'no');
    ctx.req.socket.setNoDelay(true);
    // Swallow the abort error of a stream ended on purpose (client gone, or draining).
    res.body.on('error', () => undefined);
    ctx.body = res.body;
    // One that opened while the gateway began to drain is ended like those open before.
    if (readiness.draining) res.body.destroy();
    openStreams.add(res.body);
    res.body.once('close', () => openStreams.delete(res.body));
  };
}

/**
 * Proxies one request within the route's budget: the budget is the request's deadline, sent on as
 * x-request-timeout-ms so the service gives its own calls no more than what is left of it. A cacheable
 * route's answer may come from the response cache instead, which then also answers If-None-Match.
 */
function proxy(route: ProxyRoute, upstream: Upstream, options: ProxyOptions, metrics: UpstreamMetrics): Middleware {
  const timeoutMs = route.timeoutMs ?? options.timeoutMs;
  const cache = route.cacheable ? options.cache : undefined;
  const call = (ctx: ParameterizedContext, path: string, headers: Record<string, string>) => {
    headers[DEADLINE_HEADER] = deadlineHeader(Date.now() + timeoutMs);
    return metrics.measure(upstream.name, route, () =>
      upstream.request(
        {
          method: route.method,
          path,
          headers,
          body: ctx.request.rawBody,
          idempotent: IDEMPOTENT_METHODS.has(route.method) || headers['idempotency-key'] !== undefined,
        },
        timeoutMs,
      ),
    );
  };
  return async (ctx) => {
    const target = fillParams(route.target, (ctx as unknown as { params: Record<string, string> }).params ?? {});
    const path = ctx.querystring ? `${target}?${ctx.querystring}` : target;
    const headers = upstreamHeaders(ctx);
    if (!cache) return send(ctx, await call(ctx, path, headers));
    // The cache asks for the whole answer (to keep it) and compares the client's ETags itself.
    const ifNoneMatch = headers['if-none-match'];
    delete headers['if-none-match'];
    const answer = await cache.get(route.path, path, { accept: headers.accept, authorization: ctx.get('authorization') || undefined }, () => call(ctx, path, headers), {
      revalidate: asksToRevalidate(ctx.get('cache-control')),
    });
    if (ifNoneMatch !== undefined && answer.status === 200 && etagMatches(ifNoneMatch, answer.headers.etag)) {
      send(ctx, { status: 304, headers: answer.headers, body: Buffer.alloc(0) });
    } else {
      send(ctx, answer);
    }
    ctx.set('cache-status', answer.cacheStatus);
  };
}

function send(ctx: ParameterizedContext, res: Pick<UpstreamResponse, 'status' | 'headers' | 'body'>): void {
  copyResponseHeaders(ctx, res.headers);
  ctx.status = res.status;
  ctx.body = res.status === 204 || res.status === 304 ? null : res.body;
}

/** If-None-Match against an ETag, by the weak comparison RFC 9110 prescribes for it. */
function etagMatches(ifNoneMatch: string, etag: string | string[] | undefined): boolean {
  if (typeof etag !== 'string') return false;
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(etag));
}

/** What every public route passes through before it is proxied, in this order. */
export interface EdgeGuards {
  /** Refuses everything early while the gateway is overloaded. */
  shed: Middleware;
  /** The per-address limit of all of /api. */
  limitAddress: Middleware;
  /** The stricter per-address limits of single routes. */
  limitRoute: Readonly<Record<NonNullable<ProxyRoute['limit']>, Middleware>>;
  /** Verifies the bearer token and sets ctx.state.userId. */
  authenticate: Middleware;
  /** The per-user limit, after authentication. */
  limitUser: Middleware;
  streams: StreamCaps;
}

/**
 * Registers every route of the table on the router behind its guards (shedding, rate limits,
 * authentication); open streams end when the gateway drains.
 */
export function proxyRoutes(router: Router, upstreams: ReadonlyMap<string, Upstream>, guards: EdgeGuards, readiness: Readiness, options: ProxyOptions): void {
  const openStreams = new Set<Readable>();
  const metrics = upstreamMetrics(options.registry);
  readiness.onDraining(() => openStreams.forEach((stream) => stream.destroy()));
  for (const route of ROUTES) {
    const upstream = upstreams.get(route.upstream);
    if (!upstream) throw new Error(`route ${route.path} names unknown upstream ${route.upstream}`);
    const handler = route.stream ? proxyStream(route, upstream, openStreams, guards.streams, readiness) : proxy(route, upstream, options, metrics);
    const handlers: Middleware[] = [
      guards.shed,
      guards.limitAddress,
      ...(route.limit ? [guards.limitRoute[route.limit]] : []),
      ...(route.auth ? [guards.authenticate, guards.limitUser] : []),
      handler,
    ];
    router.register(route.path, [route.method], handlers as never);
  }
  // The router knows only the common methods and calls the others (TRACE, PROPFIND, M-SEARCH...) 501 Not
  // Implemented, a server error, for what is a client's mistake. Knowing them all, it answers 405 on a
  // path the API has and 404 elsewhere. CONNECT never reaches the app.
  router.methods.push(...METHODS.filter((method) => method !== 'CONNECT' && !router.methods.includes(method)));
}
