import type { Instrumentation } from '@opentelemetry/instrumentation';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';

/**
 * The instrumentations every service loads, tuned so a trace shows the work a request caused and
 * nothing else: no spans for the outbox relay's and the pool's own queries (Postgres spans only inside
 * a traced operation) or for gRPC health checks. HTTP spans are the kit's own: incoming requests get
 * theirs from a middleware (server-span.ts), so probes and scrapes on the admin port get none, and
 * outgoing calls from their caller (client-span.ts); each file says why not the http, Koa and undici
 * instrumentations.
 * pino lines get trace_id and span_id; logs stay on stdout.
 */
export function serviceInstrumentations(): Instrumentation[] {
  return [
    new GrpcInstrumentation({ ignoreGrpcMethods: ['Check', 'Watch'] }),
    new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
    new AmqplibInstrumentation(),
    new PinoInstrumentation({ disableLogSending: true }),
  ];
}
