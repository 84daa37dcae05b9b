import { SpanKind, context, trace } from '@opentelemetry/api';
import { kitTracer, propagating, traceHeaders } from './context.js';

/**
 * The trace context to store with an event written to the outbox: the context of a PRODUCER span
 * `create <type>`, a child of whatever the enqueuing transaction runs in (the HTTP request, the
 * consumer), as the messaging conventions name the moment a message is created apart from the moment
 * it is sent. The relay publishes the row later in this context (see withStoredTrace), so the publish,
 * the broker hop and every consumer continue the trace of the request that caused the event.
 * Empty when tracing is off.
 */
export function outboxTraceHeaders(message: { id: string; routingKey: string }): Record<string, string> {
  if (!propagating()) return {};
  const span = kitTracer().startSpan(`create ${message.routingKey}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'create',
      'messaging.operation.name': 'create',
      'messaging.rabbitmq.destination.routing_key': message.routingKey,
      'messaging.message.id': message.id,
    },
  });
  const headers = traceHeaders(trace.setSpan(context.active(), span));
  span.end();
  return headers;
}
