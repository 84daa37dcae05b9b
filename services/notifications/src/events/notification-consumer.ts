import { parseEvent, type AnyEvent } from '@switchyard/contracts/events';
import type { AmqpConnection } from '@switchyard/kit/amqp-connection';
import { consumerOptions } from '@switchyard/kit/consumer-options';
import { registerEventConsumer, type ConsumerSettings } from '@switchyard/kit/event-consumer';
import { processOnce } from '@switchyard/kit/inbox';
import type { Logger } from '@switchyard/kit/log';
import type { Pool } from '@switchyard/kit/postgres';
import type { Registry } from 'prom-client';
import { CONSUMED_EVENTS, notificationFor } from '../notifications/from-event.js';
import { insertNotification } from '../notifications/notification-store.js';

/** The effect of one event: its notification, stored once however often the event arrives (inbox). */
export function storeNotificationOnce(pool: Pool, event: AnyEvent): Promise<'processed' | 'duplicate'> {
  return processOnce(pool, 'notifications', event.id, async (db) => void (await insertNotification(db, notificationFor(event))));
}

/** Turns consumed events into stored notifications, each event exactly once (inbox). */
export function registerNotificationConsumer(
  connection: AmqpConnection,
  deps: { pool: Pool; log: Logger; registry: Registry },
  settings: ConsumerSettings,
): void {
  registerEventConsumer<AnyEvent>({
    connection,
    ...consumerOptions(settings, CONSUMED_EVENTS),
    log: deps.log,
    registry: deps.registry,
    decode: parseEvent,
    handle: async (event, { log }) => {
      const outcome = await storeNotificationOnce(deps.pool, event);
      log.debug({ type: event.type, outcome }, 'event consumed');
    },
  });
}
