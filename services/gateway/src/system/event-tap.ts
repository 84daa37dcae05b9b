import { randomUUID } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import { z } from 'zod';
import type { TappedEvent } from '@switchyard/contracts/system-view';
import { AmqpConnection } from '@switchyard/kit/amqp-connection';
import { declareEventExchange } from '@switchyard/kit/event-consumer';
import type { Logger } from '@switchyard/kit/log';

const envelope = z.object({ type: z.string(), time: z.string(), source: z.string().optional(), subject: z.string().optional() }).loose();
const TRACEPARENT = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The newest events kept for a stream that opens (the `recent` list). */
export const RECENT_EVENTS = 50;
/** Messages the tap's queue holds while the gateway is slow to take them: the oldest go first beyond it. */
const QUEUE_MAX_LENGTH = 1_000;

export interface EventTapOptions {
  url: string;
  exchange: string;
  /** This replica's name, part of the queue's and the connection's names. */
  instance: string;
  log: Logger;
}

/** What the view shows of one delivery; null for a message that is not an event envelope. */
export function tappedEvent(message: Pick<ConsumeMessage, 'content' | 'properties'>): TappedEvent | null {
  let body: unknown;
  try {
    body = JSON.parse(message.content.toString('utf8'));
  } catch {
    return null;
  }
  const parsed = envelope.safeParse(body);
  if (!parsed.success) return null;
  const traceparent = message.properties.headers?.traceparent;
  const trace = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent) : null;
  return {
    id: typeof message.properties.messageId === 'string' ? message.properties.messageId : '',
    type: parsed.data.type,
    time: parsed.data.time,
    source: parsed.data.source ?? null,
    subject: parsed.data.subject ?? null,
    traceId: trace?.[1] ?? null,
  };
}

/**
 * A read-only tap on the events exchange for the system view: its own exclusive, auto-deleted queue
 * bound to every routing key, bounded (the oldest messages dropped beyond QUEUE_MAX_LENGTH), acked as
 * read. It is a view, not a consumer of record: nothing is retried or dead-lettered, and the services'
 * own queues get every event regardless. It connects only while a system view stream is open.
 */
export class EventTap {
  readonly #connection: AmqpConnection;
  readonly #recent: TappedEvent[] = [];
  readonly #listeners = new Set<(event: TappedEvent) => void>();

  constructor(options: EventTapOptions) {
    const queue = `system-view.${options.instance}.${randomUUID().slice(0, 8)}`;
    // No metrics registry: the gateway's amqp_connected would otherwise read 0 whenever no view is open.
    this.#connection = new AmqpConnection({ url: options.url, connectionName: `${options.instance} system view`, log: options.log });
    this.#connection.declare(async (channel) => {
      await declareEventExchange(channel, options.exchange);
      await channel.assertQueue(queue, { exclusive: true, autoDelete: true, durable: false, arguments: { 'x-max-length': QUEUE_MAX_LENGTH, 'x-overflow': 'drop-head' } });
      await channel.bindQueue(queue, options.exchange, '#');
    });
    this.#connection.consume({
      queue,
      prefetch: 100,
      exclusive: true,
      onMessage: async (message, channel) => {
        channel.ack(message);
        const event = tappedEvent(message);
        if (!event) return;
        this.#recent.unshift(event);
        this.#recent.length = Math.min(this.#recent.length, RECENT_EVENTS);
        for (const listener of this.#listeners) listener(event);
      },
    });
    this.#connection.start();
  }

  get connected(): boolean {
    return this.#connection.connected;
  }

  /** The newest events seen, newest first. */
  get recent(): TappedEvent[] {
    return [...this.#recent];
  }

  /** Calls `listener` with every event from now on; returns the unsubscribe. */
  subscribe(listener: (event: TappedEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): Promise<void> {
    this.#listeners.clear();
    return this.#connection.close();
  }
}
