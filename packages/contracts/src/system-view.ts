/**
 * The JSON shapes of the system view's stream, `GET /api/system/stream` (Server-Sent Events, signed-in
 * users, when the gateway has SYSTEM_VIEW_ENABLED). Types only, like public-api.ts, so the page imports
 * them without pulling in anything at run time. Events on the stream:
 * - `snapshot` (a SystemSnapshot): at once when there is a recent one, then after every poll (~2 s);
 * - `recent` (RecentEvents): once, right after the stream opens: the events the gateway kept so far;
 * - `event` (a TappedEvent): each event that passes through RabbitMQ, as it arrives.
 */

/** What a replica's /readyz said; `unreachable` when it gave no answer at all. */
export type ReplicaStatus = 'ready' | 'unready' | 'starting' | 'draining' | 'unreachable' | 'unknown';

/** One replica of a service, as its admin endpoints describe it. */
export interface ReplicaHealth {
  /** The admin endpoint polled (`127.0.0.1:10082`, a pod's `10.244.0.7:9091`). */
  address: string;
  /** Its /readyz answered 200. */
  ready: boolean;
  status: ReplicaStatus;
  /** Its readiness checks by name (`database`, `broker`, …), each `up` or `down`. */
  checks: Record<string, 'up' | 'down'>;
  /** `amqp_connected` from its /metrics: null when it does not report it (no broker link, or no answer). */
  brokerConnected: boolean | null;
  /** `outbox_oldest_pending_age_seconds`: how long the oldest unpublished event has waited; null when not reported. */
  outboxLagSeconds: number | null;
  /** `events_queue_messages{kind="dead_letter"}` summed over its queues; null when not reported. */
  deadLetters: number | null;
  /** Why the replica could not be read (`connect ECONNREFUSED …`, `timed out after 1500 ms`). */
  error?: string;
}

/** A service and its replicas, as the gateway found them this poll. */
export interface ServiceHealth {
  name: string;
  replicas: ReplicaHealth[];
  /** The service's outbox lag: the largest its replicas report (they share one table); null when none does. */
  outboxLagSeconds: number | null;
  /** Parked messages of the service's queues (each replica reports the same queues: the largest count); null when none does. */
  deadLetters: number | null;
  /** Why the replicas could not be listed (a DNS name that does not resolve, pods not listed yet). */
  error?: string;
}

export type BreakerStateName = 'closed' | 'open' | 'half-open';

/** The circuit breaker of one of the gateway's upstreams, in the gateway replica that sent the stream. */
export interface BreakerState {
  upstream: string;
  state: BreakerStateName;
  /** Replicas of the upstream ejected for repeated failures right now. */
  ejectedReplicas: number;
}

export interface SystemSnapshot {
  /** When the poll that made it ended (RFC 3339). */
  at: string;
  services: ServiceHealth[];
  breakers: BreakerState[];
  /** Whether the gateway's tap on RabbitMQ is connected (events arrive only while it is). */
  eventsConnected: boolean;
}

/** An event seen passing through the events exchange. */
export interface TappedEvent {
  /** The event id (the AMQP messageId). */
  id: string;
  type: string;
  /** When it happened (the envelope's `time`, RFC 3339). */
  time: string;
  /** The producing service, e.g. `/switchyard/orders`. */
  source: string | null;
  /** What it is about: an order id, a user id. */
  subject: string | null;
  /** The W3C trace id from the message's `traceparent` header: the request that caused it. */
  traceId: string | null;
}

/** The `recent` event: the events kept so far, newest first. */
export interface RecentEvents {
  items: TappedEvent[];
}
