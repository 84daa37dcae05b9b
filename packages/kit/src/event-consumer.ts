import { setTimeout as sleep } from 'node:timers/promises';
import type { Channel, ConsumeMessage } from 'amqplib';
import { Counter, type Registry } from 'prom-client';
import type { AmqpConnection, TopologySetup } from './amqp-connection.js';
import { AppError } from './errors.js';
import { registerQueueMetrics } from './event-metrics.js';
import type { Logger } from './log.js';
import { sharedMetric } from './metrics.js';

/** Where a service's events come from and where the failures go. */
export interface EventTopology {
  /** The one durable topic exchange of the system. */
  exchange: string;
  /** The service's durable competing-consumer queue (quorum type). */
  queue: string;
  /** Event types it handles: the routing keys bound to its queue. */
  routingKeys: readonly string[];
  /** Delay before retry n (the last one repeats); one TTL queue per delay. */
  retryDelaysMs: readonly number[];
}

/** The parking queue of a service: messages that failed for good, with the reason in their headers. */
export const deadLetterQueue = (queue: string) => `${queue}.dead-letter`;
/** The delay queue of retry n (1-based). */
export const retryQueue = (queue: string, n: number) => `${queue}.retry.${n}`;

/** The exchange and queue that keep events no queue was bound for (instead of dropping them). */
export const unroutedName = (exchange: string) => `${exchange}.unrouted`;

/**
 * Declares the system's topic exchange with an alternate exchange: a message no queue is bound for
 * (a consumer that has not started yet, a type nobody consumes) goes to the durable `<exchange>.unrouted`
 * queue rather than vanishing, and can be replayed from there. Producers and consumers both declare it,
 * with the same arguments.
 */
export async function declareEventExchange(channel: Channel, exchange: string): Promise<void> {
  const unrouted = unroutedName(exchange);
  await channel.assertExchange(unrouted, 'fanout', { durable: true });
  await channel.assertQueue(unrouted, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(unrouted, unrouted, '');
  await channel.assertExchange(exchange, 'topic', { durable: true, alternateExchange: unrouted });
}

/**
 * Declares, idempotently: the topic exchange (see declareEventExchange); the service queue (quorum) bound to its routing keys,
 * dead-lettering to the parking queue when a message keeps crashing consumers (delivery limit); one
 * retry queue per delay whose per-queue TTL dead-letters the message back to the service queue (one
 * queue per delay, so a long delay never holds up a short one); and the parking queue.
 */
export function declareEventTopology(topology: EventTopology): TopologySetup {
  return async (channel) => {
    const { exchange, queue } = topology;
    await declareEventExchange(channel, exchange);
    await channel.assertQueue(deadLetterQueue(queue), { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.assertQueue(queue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': 20,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': deadLetterQueue(queue),
      },
    });
    for (const key of topology.routingKeys) await channel.bindQueue(queue, exchange, key);
    for (const [index, delay] of topology.retryDelaysMs.entries()) {
      await channel.assertQueue(retryQueue(queue, index + 1), {
        durable: true,
        arguments: { 'x-message-ttl': delay, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queue },
      });
    }
  };
}

/** A message that can never be processed (not JSON, not an event, fails its schema): parked at once. */
export class PoisonMessageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PoisonMessageError';
  }
}

/** The least a decoded event has. */
export interface DecodedEvent {
  id: string;
  type: string;
}

export interface EventContext {
  log: Logger;
  /** 1 on first delivery, n on the n-th try. */
  attempt: number;
  message: ConsumeMessage;
}

/** Where a service consumes from and how it retries: the part of EventConsumerOptions set by configuration. */
export interface ConsumerSettings {
  exchange: string;
  queue: string;
  prefetch: number;
  maxAttempts: number;
  retryDelaysMs: readonly number[];
}

/** Reads ConsumerSettings from a service configuration built with amqpConfig() and consumerConfig(). */
export function consumerSettings(config: {
  EVENTS_EXCHANGE: string;
  EVENTS_QUEUE: string;
  CONSUMER_PREFETCH: number;
  CONSUMER_MAX_ATTEMPTS: number;
  CONSUMER_RETRY_DELAYS_MS: readonly number[];
}): ConsumerSettings {
  return {
    exchange: config.EVENTS_EXCHANGE,
    queue: config.EVENTS_QUEUE,
    prefetch: config.CONSUMER_PREFETCH,
    maxAttempts: config.CONSUMER_MAX_ATTEMPTS,
    retryDelaysMs: config.CONSUMER_RETRY_DELAYS_MS,
  };
}

export interface EventConsumerOptions<E extends DecodedEvent> {
  connection: AmqpConnection;
  topology: EventTopology;
  prefetch: number;
  /** Tries in all, the first included; after the last one the message is parked. */
  maxAttempts: number;
  /** Parses and validates a message body; whatever it throws parks the message at once (it never can be handled). */
  decode: (content: Buffer) => E;
  handle: (event: E, context: EventContext) => Promise<void>;
  log: Logger;
  registry?: Registry;
}

// 4xx AppErrors say the event itself is wrong; retrying cannot help. Conflicts and throttling can pass.
function isPermanent(err: unknown): boolean {
  if (err instanceof PoisonMessageError) return true;
  return err instanceof AppError && err.status >= 400 && err.status < 500 && err.status !== 409 && err.status !== 429;
}

function describe(err: unknown): string {
  const text = err instanceof AppError ? `${err.code}: ${err.message}` : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.slice(0, 500);
}

/**
 * Consumes a service's queue with manual acks: a handled message is acked; a failing one is sent to
 * the next retry queue with its attempt count, or parked in the dead-letter queue with the reason after
 * the last attempt (at once when it cannot be parsed). Either way it is acked only after the broker
 * confirmed the copy, so nothing is lost, and a poison message never blocks the ones behind it.
 */
export function registerEventConsumer<E extends DecodedEvent>(options: EventConsumerOptions<E>): void {
  const { connection, topology, log } = options;
  const registry = options.registry;
  const outcomes =
    registry &&
    sharedMetric(registry, 'events_consumed_total', () =>
      new Counter({
        name: 'events_consumed_total',
        help: 'Messages consumed, by queue, event type and outcome (processed, retried, dead_lettered).',
        labelNames: ['queue', 'type', 'outcome'] as const,
        registers: [registry],
      }),
    );

  const copyTo = async (queue: string, message: ConsumeMessage, headers: Record<string, unknown>) => {
    const { properties } = message;
    await connection.publish('', queue, message.content, {
      messageId: properties.messageId,
      type: properties.type,
      appId: properties.appId,
      contentType: properties.contentType,
      timestamp: properties.timestamp,
      headers: { ...properties.headers, ...headers },
    });
  };

  const onMessage = async (message: ConsumeMessage, channel: Channel) => {
    const attempt = Number(message.properties.headers?.['x-attempt'] ?? 1);
    // After a retry the message arrives from the retry queue; the event type stays in a header.
    const routingKey = String(message.properties.headers?.['x-original-routing-key'] ?? message.fields.routingKey);
    // The message's child logger is made only when something logs through it.
    let childLog: Logger | undefined;
    const messageLog = () => (childLog ??= log.child({ messageId: message.properties.messageId, routingKey, attempt }));
    let type = 'unknown';
    let failure: unknown;
    try {
      let event: E;
      try {
        event = options.decode(message.content);
      } catch (err) {
        throw err instanceof PoisonMessageError ? err : new PoisonMessageError((err as Error).message, { cause: err });
      }
      type = event.type;
      await options.handle(event, {
        get log() {
          return messageLog();
        },
        attempt,
        message,
      });
    } catch (err) {
      failure = err;
    }
    if (failure === undefined) {
      // If the channel closed meanwhile the ack is lost and the message comes again: the inbox
      // makes that second delivery a no-op.
      ackQuietly(channel, message);
      outcomes?.inc({ queue: topology.queue, type, outcome: 'processed' });
      return;
    }
    const reason = describe(failure);
    try {
      if (isPermanent(failure) || attempt >= options.maxAttempts) {
        await copyTo(deadLetterQueue(topology.queue), message, {
          'x-failure-reason': reason,
          'x-failed-attempts': attempt,
          'x-original-routing-key': routingKey,
          'x-failed-at': new Date().toISOString(),
        });
        messageLog().error({ err: failure, reason }, 'message dead-lettered');
        outcomes?.inc({ queue: topology.queue, type, outcome: 'dead_lettered' });
      } else {
        const delayIndex = Math.min(attempt, topology.retryDelaysMs.length);
        await copyTo(retryQueue(topology.queue, delayIndex), message, {
          'x-attempt': attempt + 1,
          'x-last-failure': reason,
          'x-original-routing-key': routingKey,
        });
        messageLog().warn({ err: failure, reason, retryInMs: topology.retryDelaysMs[delayIndex - 1] }, 'message failed; retrying later');
        outcomes?.inc({ queue: topology.queue, type, outcome: 'retried' });
      }
      ackQuietly(channel, message);
    } catch (publishErr) {
      // The copy was not confirmed: keep the original. Requeue after a pause (a channel that
      // closed meanwhile returns it to the queue by itself).
      messageLog().warn({ err: publishErr }, 'could not move a failed message; it goes back to the queue');
      await sleep(1000);
      try {
        channel.nack(message, false, true);
      } catch {
        // the channel is gone; the broker requeued the message
      }
    }
  };

  const ackQuietly = (channel: Channel, message: ConsumeMessage) => {
    try {
      channel.ack(message);
    } catch (err) {
      log.warn({ err }, 'ack failed: the channel closed; the message will be redelivered');
    }
  };

  connection.declare(declareEventTopology(topology));
  connection.consume({ queue: topology.queue, prefetch: options.prefetch, onMessage });
  if (registry) registerQueueMetrics(registry, connection, topologyQueues(topology));
}

/** Every queue of a consumer's topology, with its kind (for the queue depth metrics). */
function topologyQueues(topology: EventTopology): Map<string, 'service' | 'retry' | 'dead_letter'> {
  return new Map([
    [topology.queue, 'service'],
    ...topology.retryDelaysMs.map((_, i) => [retryQueue(topology.queue, i + 1), 'retry'] as const),
    [deadLetterQueue(topology.queue), 'dead_letter'],
  ]);
}
