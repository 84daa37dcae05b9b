import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * Every event of the system, one schema per type, checked when it is published and when it is
 * consumed. The routing key is the type. docs/events.md lists who publishes and who consumes each.
 */
const orderRef = { orderId: z.uuid(), userId: z.uuid() };
const orderLine = z.object({ productId: z.uuid(), quantity: z.number().int().min(1), priceCents: z.number().int().min(0) });

export const EVENT_SCHEMAS = {
  'user.registered': z.object({
    userId: z.uuid(),
    email: z.email(),
    name: z.string().min(1),
  }),
  'order.placed': z.object({
    ...orderRef,
    items: z.array(orderLine).min(1),
    totalCents: z.number().int().min(0),
    currency: z.string().length(3),
  }),
  'order.paid': z.object({ ...orderRef, totalCents: z.number().int().min(0), currency: z.string().length(3), paymentId: z.uuid() }),
  'order.payment_declined': z.object({ ...orderRef, reason: z.string().min(1) }),
  'order.cancelled': z.object(orderRef),
  'order.expired': z.object(orderRef),
} as const;

export type EventType = keyof typeof EVENT_SCHEMAS;
export type EventData<T extends EventType> = z.output<(typeof EVENT_SCHEMAS)[T]>;

/** The JSON envelope on the wire, CloudEvents style; `id` is also the AMQP messageId. */
export interface EventEnvelope<T extends EventType = EventType> {
  specversion: '1.0';
  id: string;
  type: T;
  /** The producing service, e.g. `/switchyard/users`. */
  source: string;
  /** RFC 3339 time of the state change. */
  time: string;
  /** The entity the event is about (a user id, an order id). */
  subject?: string;
  datacontenttype: 'application/json';
  data: EventData<T>;
}

/** Any event, with `data` narrowed by `type`. */
export type AnyEvent = { [T in EventType]: EventEnvelope<T> }[EventType];

const envelope = z.object({
  specversion: z.literal('1.0'),
  id: z.uuid(),
  type: z.string(),
  source: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  subject: z.string().optional(),
  datacontenttype: z.literal('application/json'),
  data: z.unknown(),
});

/** Why a message is not a valid event. */
export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Builds an event, checking its data against the type's schema (a producer bug fails here, not downstream). */
export function buildEvent<T extends EventType>(type: T, source: string, data: EventData<T>, subject?: string): EventEnvelope<T> {
  const checked = EVENT_SCHEMAS[type].safeParse(data);
  if (!checked.success) throw new InvalidEventError(`${type} data is invalid: ${issues(checked.error)}`);
  return {
    specversion: '1.0',
    id: randomUUID(),
    type,
    source,
    time: new Date().toISOString(),
    ...(subject ? { subject } : {}),
    datacontenttype: 'application/json',
    data: checked.data as EventData<T>,
  };
}

/** Parses a message body into a known event; throws InvalidEventError saying what is wrong. */
export function parseEvent(content: Buffer | string): AnyEvent {
  let json: unknown;
  try {
    json = JSON.parse(content.toString());
  } catch {
    throw new InvalidEventError('the body is not JSON');
  }
  const outer = envelope.safeParse(json);
  if (!outer.success) throw new InvalidEventError(`not an event envelope: ${issues(outer.error)}`);
  const schema = EVENT_SCHEMAS[outer.data.type as EventType];
  if (!schema) throw new InvalidEventError(`unknown event type ${outer.data.type}`);
  const data = schema.safeParse(outer.data.data);
  if (!data.success) throw new InvalidEventError(`${outer.data.type} data is invalid: ${issues(data.error)}`);
  return { ...outer.data, data: data.data } as AnyEvent;
}

/** Trace context carried in AMQP headers from the request that caused an event. */
export interface TraceHeaders {
  traceparent?: string;
  'x-request-id'?: string;
}

/** The outbox row of an event: its id is the messageId, its type the routing key. */
export function outboxMessage(event: AnyEvent, trace: TraceHeaders = {}) {
  const headers = Object.fromEntries(Object.entries(trace).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  return { id: event.id, routingKey: event.type, payload: event as unknown as AnyEvent & Record<string, unknown>, headers };
}
