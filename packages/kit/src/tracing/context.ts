import { ROOT_CONTEXT, SpanKind, context, isSpanContextValid, propagation, trace, type Attributes, type Context } from '@opentelemetry/api';

/** The tracer of the kit's own spans (the instrumentations name theirs). */
export const kitTracer = () => trace.getTracer('@switchyard/kit');

/**
 * True when an OpenTelemetry SDK propagates trace context in this process. Its instrumented clients
 * (grpc-js, amqplib) and the kit's HTTP client spans (client-span.ts) then put `traceparent` on every
 * outgoing call themselves, so code must not add one of its own: a second `traceparent` header breaks
 * the next hop's parsing.
 */
export function propagating(): boolean {
  return propagation.fields().length > 0;
}

/** The active span's ids and its W3C traceparent, when a sampled or recording span is active. */
export function activeTrace(): { traceId: string; spanId: string; traceparent: string } | undefined {
  const span = trace.getActiveSpan()?.spanContext();
  if (!span || !isSpanContextValid(span)) return undefined;
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
  return { traceId: span.traceId, spanId: span.spanId, traceparent: `00-${span.traceId}-${span.spanId}-${flags}` };
}

/** The trace context headers (traceparent, tracestate) of a context, as the configured propagator writes them. */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** Runs `fn` in the trace context stored in `headers` (an outbox row's, a NOTIFY payload's). */
export function withStoredTrace<T>(headers: Readonly<Record<string, unknown>> | undefined, fn: () => T): T {
  if (!headers || !propagating()) return fn();
  return context.with(propagation.extract(ROOT_CONTEXT, headers), fn);
}

/**
 * Runs `fn` inside a span of the kit's own (an internal step the instrumentations cannot see, such as
 * an SSE push), ended when `fn` settles and marked as an error when it throws.
 */
export async function inSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T> | T, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  return kitTracer().startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await fn();
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: 2 });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * The `traceparent` to set by hand on an outgoing HTTP call: the request's own when tracing is off (so
 * logs along the way still share one trace id), none when the SDK propagates (the call's client span,
 * client-span.ts, injects the real one).
 */
export function manualTraceparent(traceparent: string): { traceparent?: string } {
  return propagating() ? {} : { traceparent };
}

/** Adds attributes to the active span (an entity's id, so a trace can be found by it); nothing when tracing is off. */
export function annotateSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}
