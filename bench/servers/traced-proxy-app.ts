/**
 * The gateway's shape with nothing else (Koa, three async middlewares, an undici pool to an upstream,
 * the body passed on), traced in one of several ways, so bench/comparisons/tracing-floor.ts can tell what each
 * layer of tracing costs per request. MODE:
 * - off: no OpenTelemetry at all;
 * - als: no SDK, only what its context manager does per request: one AsyncLocalStorage run;
 * - unsampled: the SDK's tracer provider (the one NodeSDK starts in the services, with its
 *   AsyncLocalStorage context manager) and the undici instrumentation, a server span per request as the
 *   kit's middleware makes it, sampler always_off;
 * - sampled-dropped: the same at always_on, spans ended into a processor that drops them;
 * - sampled: the same at always_on, batched and exported as OTLP/HTTP protobuf to SINK_URL.
 * Listens on 127.0.0.1:$PORT, proxies to $UPSTREAM_URL, prints `listening`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer } from 'node:http';
import { ROOT_CONTEXT, SpanKind, context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import Koa from 'koa';
import { Pool } from 'undici';

const mode = process.env.MODE ?? 'off';
const traced = mode === 'unsampled' || mode === 'sampled-dropped' || mode === 'sampled';
if (traced) {
  const dropping: SpanProcessor = { onStart: () => undefined, onEnd: () => undefined, forceFlush: async () => undefined, shutdown: async () => undefined };
  const provider = new NodeTracerProvider({
    sampler: mode === 'unsampled' ? new AlwaysOffSampler() : new AlwaysOnSampler(),
    spanProcessors: [mode === 'sampled' ? new BatchSpanProcessor(new OTLPTraceExporter({ url: `${process.env.SINK_URL}/v1/traces` })) : dropping],
  });
  provider.register();
  registerInstrumentations({ instrumentations: [new UndiciInstrumentation({ requireParentforSpans: true })] });
}

const upstream = new Pool(process.env.UPSTREAM_URL!, { connections: 32 });
const als = new AsyncLocalStorage<object>();
const tracer = trace.getTracer('bench');
const app = new Koa();

app.use((ctx, next) => {
  if (mode === 'als') return als.run({}, next);
  if (!traced) return next();
  // As packages/kit/src/tracing/server-span.ts does it.
  const parent = propagation.extract(ROOT_CONTEXT, ctx.req.headers);
  const span = tracer.startSpan(ctx.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': ctx.method, 'url.path': ctx.path } }, parent);
  ctx.res.once('close', () => {
    span.setAttribute('http.response.status_code', ctx.status);
    span.end();
  });
  return context.with(trace.setSpan(parent, span), next);
});
app.use(async (ctx, next) => {
  await next();
  ctx.set('x-bench', '1');
});
app.use(async (ctx, next) => {
  await next();
});
app.use(async (ctx) => {
  const res = await upstream.request({ method: 'GET', path: ctx.path, headers: { accept: 'application/json' } });
  ctx.status = res.statusCode;
  ctx.type = 'application/json';
  ctx.body = Buffer.from(await res.body.arrayBuffer());
});

const server = createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
