import type { IncomingMessage } from 'node:http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KoaInstrumentation, KoaLayerType } from '@opentelemetry/instrumentation-koa';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

/** What probes and Prometheus ask every few seconds on the admin port: never a trace of its own. */
const ADMIN_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The instrumentations every service loads, tuned so a trace shows the work a request caused and
 * nothing else: no spans for probes and scrapes, for the outbox relay's and the pool's own queries
 * (Postgres spans only inside a traced operation), for gRPC health checks, or for each Koa middleware
 * (the router's span carries the route). pino lines get trace_id and span_id; logs stay on stdout.
 */
export function serviceInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req: IncomingMessage) => ADMIN_PATHS.has((req.url ?? '').split('?')[0]!),
      requireParentforOutgoingSpans: true,
    }),
    new UndiciInstrumentation({ requireParentforSpans: true }),
    new KoaInstrumentation({ ignoreLayersType: [KoaLayerType.MIDDLEWARE] }),
    new GrpcInstrumentation({ ignoreGrpcMethods: ['Check', 'Watch'] }),
    new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
    new AmqplibInstrumentation(),
    new PinoInstrumentation({ disableLogSending: true }),
  ];
}
