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
 * - sampled: the same at always_on, batched and exported as OTLP/HTTP protobuf to SINK_URL;
 * - kit-client: sampled, with the kit's client span (what the services use) instead of the undici
 *   instrumentation.
 * Listens on 127.0.0.1:$PORT, proxies to $UPSTREAM_URL, prints `listening`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer } from 'node:http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import Koa from 'koa';
import { Pool } from 'undici';
import { exportingMode } from '../lib/proxy-modes.js';
import { startClientSpan } from '@switchyard/kit/tracing/client-span';
import { serverSpan } from '@switchyard/kit/tracing/server-span';

const mode = process.env.MODE ?? 'off';
const kitClient = mode === 'kit-client';
const traced = mode === 'unsampled' || mode === 'sampled-dropped' || exportingMode(mode);
if (traced) {
  const dropping: SpanProcessor = { onStart: () => undefined, onEnd: () => undefined, forceFlush: async () => undefined, shutdown: async () => undefined };
  const provider = new NodeTracerProvider({
    sampler: mode === 'unsampled' ? new AlwaysOffSampler() : new AlwaysOnSampler(),
    spanProcessors: [exportingMode(mode) ? new BatchSpanProcessor(new OTLPTraceExporter({ url: `${process.env.SINK_URL}/v1/traces` })) : dropping],
  });
  provider.register();
  if (!kitClient) registerInstrumentations({ instrumentations: [new UndiciInstrumentation({ requireParentforSpans: true })] });
}

const UPSTREAM_URL = process.env.UPSTREAM_URL!;
const upstream = new Pool(UPSTREAM_URL, { connections: 32 });
const als = new AsyncLocalStorage<object>();
const app = new Koa();

if (mode === 'als') app.use((_ctx, next) => als.run({}, next));
// The kit's own server span, as every service has it.
if (traced) app.use(serverSpan());
app.use(async (ctx, next) => {
  await next();
  ctx.set('x-bench', '1');
});
app.use(async (ctx, next) => {
  await next();
});
app.use(async (ctx) => {
  // As the gateway's upstream calls do it, in kit-client mode; the undici instrumentation's job otherwise.
  const call = kitClient ? startClientSpan('GET', UPSTREAM_URL, ctx.path, { accept: 'application/json' }) : undefined;
  const res = await upstream.request({ method: 'GET', path: ctx.path, headers: call?.headers ?? { accept: 'application/json' } }).catch((err: unknown) => {
    call?.end({ error: err });
    throw err;
  });
  call?.end({ status: res.statusCode });
  ctx.status = res.statusCode;
  ctx.type = 'application/json';
  ctx.body = Buffer.from(await res.body.arrayBuffer());
});

const server = createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
