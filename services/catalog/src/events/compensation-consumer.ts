import { parseEvent, type AnyEvent } from '@switchyard/contracts/events';
import type { AmqpConnection } from '@switchyard/kit/amqp-connection';
import { NotFoundError } from '@switchyard/kit/errors';
import { PoisonMessageError, registerEventConsumer, type ConsumerSettings } from '@switchyard/kit/event-consumer';
import { processOnce } from '@switchyard/kit/inbox';
import type { Logger } from '@switchyard/kit/log';
import type { Pool } from '@switchyard/kit/postgres';
import type { Registry } from 'prom-client';
import { releaseStockIn } from '../stock/reservations.js';

/** Orders that end without payment give their stock back: exactly once, through the inbox. */
export function registerCompensationConsumer(connection: AmqpConnection, deps: { pool: Pool; log: Logger; registry: Registry }, settings: ConsumerSettings): void {
  registerEventConsumer<AnyEvent>({
    connection,
    topology: { exchange: settings.exchange, queue: settings.queue, routingKeys: ['order.cancelled', 'order.expired'], retryDelaysMs: settings.retryDelaysMs },
    prefetch: settings.prefetch,
    maxAttempts: settings.maxAttempts,
    log: deps.log,
    registry: deps.registry,
    decode: parseEvent,
    handle: async (event, { log }) => {
      if (event.type !== 'order.cancelled' && event.type !== 'order.expired') throw new PoisonMessageError(`catalog does not handle ${event.type}`);
      const { orderId } = event.data;
      const outcome = await processOnce(deps.pool, 'catalog', event.id, async (db) => {
        try {
          const released = await releaseStockIn(db, orderId);
          log.info({ orderId, outcome: released.outcome, items: released.items }, 'reservation released');
        } catch (err) {
          // An order that never reserved anything has nothing to give back.
          if (!(err instanceof NotFoundError)) throw err;
          log.warn({ orderId }, 'no reservation to release');
        }
      });
      log.debug({ outcome }, 'compensation event consumed');
    },
  });
}
