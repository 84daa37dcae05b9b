import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type TextMapGetter } from '@opentelemetry/api';
import type { IncomingHttpHeaders } from 'node:http';
import type { Middleware } from 'koa';
import { kitTracer, propagating } from './context.js';

const headerGetter: TextMapGetter<IncomingHttpHeaders> = {
  get: (headers, key) => headers[key],
  keys: (headers) => Object.keys(headers),
};

/** The methods the HTTP semantic conventions name; any other is recorded as `_OTHER` (its spelling in `http.request.method_original`), so a client cannot mint span names. */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

/**
 * The SERVER span of every request a service's public app answers, named `METHOD route` with the
 * stable HTTP semantic-convention attributes, continuing the caller's `traceparent`, active while the
 * request runs (so client, gRPC, Postgres and log lines inside it are its children) and ended when the
 * response closes (an SSE stream's span lasts as long as the stream). 5xx answers are errors; a
 * response the client abandoned is `499`, as the access log counts it.
 *
 * Why not @opentelemetry/instrumentation-http and -koa: measured in one process behind wrk (bench notes
 * in the README), the http instrumentation cost ~50 µs of CPU per request even with sampling off (it
 * wraps the request's and response's emitters and builds every attribute before the sampler runs), about
 * as much as the whole proxied request costs without it; the koa instrumentation added a second span per
 * request that only carried the route. This middleware does the same job for a Koa app in one span.
 * Without an SDK (no OTLP endpoint) it is not installed at all.
 */
export function serverSpan(): Middleware {
  if (!propagating()) return (_ctx, next) => next();
  const tracer = kitTracer();
  return (ctx, next) => {
    const parent = propagation.extract(ROOT_CONTEXT, ctx.req.headers, headerGetter);
    const known = KNOWN_METHODS.has(ctx.method);
    const method = known ? ctx.method : 'HTTP';
    const span = tracer.startSpan(method, {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': known ? ctx.method : '_OTHER',
        'http.request.method_original': known ? undefined : ctx.method,
        'url.path': ctx.path,
        'url.scheme': ctx.protocol,
        'server.port': ctx.req.socket.localPort,
        'client.address': ctx.req.socket.remoteAddress,
        'network.protocol.version': ctx.req.httpVersion,
        'user_agent.original': ctx.get('user-agent') || undefined,
      },
    }, parent);
    ctx.res.once('close', () => {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute;
      if (route) span.updateName(`${method} ${route}`).setAttribute('http.route', route);
      // The id a user sees (x-request-id, a problem body's requestId; set by requestContext, which runs
      // inside this span) finds the request's trace: npm run trace -- <requestId>.
      span.setAttribute('switchyard.request_id', ctx.state.requestId);
      const status = ctx.res.writableFinished ? ctx.status : 499;
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setAttribute('error.type', String(status)).setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    return context.with(trace.setSpan(parent, span), next);
  };
}
