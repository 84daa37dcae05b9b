import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { kitTracer, propagating } from './context.js';

/** The CLIENT span of one outgoing HTTP call, and the headers to send it with. */
export interface ClientSpan {
  /** A copy of the call's headers, with the span's `traceparent` (and `tracestate`) when there is a span. */
  headers: Record<string, string>;
  /** Ends the span with the answer's status (4xx and 5xx are errors for a client), or with what failed. */
  end(outcome: { status: number } | { error: string }): void;
}

const untraced = (): void => undefined;

/**
 * Starts the CLIENT span of an outgoing HTTP call (`GET`, the stable HTTP semantic-convention
 * attributes) as a child of the active span, and puts its trace context on a copy of `headers`. Made by
 * the caller, once per attempt; no span (`end` does nothing, the headers are copied as they are) when no
 * SDK propagates or no span is active (a probe, a background fetch), as the undici instrumentation's
 * `requireParentforSpans` had it.
 *
 * Why not @opentelemetry/instrumentation-undici: measured in the gateway on a proxied read (README,
 * Observability), it cost about 55 µs of CPU per request with sampling **off**, a quarter of the whole
 * request: it builds every attribute and converts each raw response header to a string for every
 * request, sampled or not, through diagnostics channels that undici then feeds for every call. The
 * services make few kinds of HTTP call (the gateway's upstreams, the token and key-set fetches), so
 * each starts its span here instead.
 */
export function startClientSpan(method: string, origin: string, path: string, headers: Readonly<Record<string, string>>): ClientSpan {
  const parent = context.active();
  if (!propagating() || !trace.getSpan(parent)) return { headers: { ...headers }, end: untraced };
  const url = new URL(origin);
  const span = kitTracer().startSpan(
    method,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': method,
        'url.full': `${url.origin}${path}`,
        'server.address': url.hostname,
        'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
      },
    },
    parent,
  );
  const withContext = { ...headers };
  propagation.inject(trace.setSpan(parent, span), withContext);
  return {
    headers: withContext,
    end: (outcome) => {
      if (!span.isRecording()) return span.end();
      if ('status' in outcome) {
        span.setAttribute('http.response.status_code', outcome.status);
        if (outcome.status >= 400) span.setAttribute('error.type', String(outcome.status)).setStatus({ code: SpanStatusCode.ERROR });
      } else {
        span.setAttribute('error.type', outcome.error).setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    },
  };
}
