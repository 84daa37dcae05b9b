import { parseEvent, type AnyEvent } from '@switchyard/contracts/events';
import type { AmqpConnection } from '@switchyard/kit/amqp-connection';
import { consumerOptions } from '@switchyard/kit/consumer-options';
import { PoisonMessageError, registerEventConsumer, type ConsumerSettings } from '@switchyard/kit/event-consumer';
import { processOnce } from '@switchyard/kit/inbox';
import type { Logger } from '@switchyard/kit/log';
import type { Pool } from '@switchyard/kit/postgres';
import type { Registry } from 'prom-client';
import { confirmReservationIn, releaseStockIn } from '../stock/reservations.js';

/**
 * The Confirm and Cancel of the order's stock, driven by its events, each exactly once (inbox):
 * order.paid commits the reservation (sold); order.cancelled and order.expired give its units back.
 * A release that finds no reservation leaves a tombstone instead of being lost, so a reservation that
 * raced it reserves nothing.
 */
export function registerCompensationConsumer(connection: AmqpConnection, deps: { pool: Pool; log: Logger; registry: Registry }, settings: ConsumerSettings): void {
  registerEventConsumer<AnyEvent>({
    connection,
    ...consumerOptions(settings, ['order.paid', 'order.cancelled', 'order.expired']),
    log: deps.log,
    registry: deps.registry,
    decode: parseEvent,
    handle: async (event, { log }) => {
      if (event.type !== 'order.paid' && event.type !== 'order.cancelled' && event.type !== 'order.expired') {
        throw new PoisonMessageError(`catalog does not handle ${event.type}`);
      }
      const { orderId } = event.data;
      const outcome = await processOnce(deps.pool, 'catalog', event.id, async (db) => {
        if (event.type === 'order.paid') {
          const confirmed = await confirmReservationIn(db, orderId);
          if (confirmed === 'RETAKEN') log.warn({ orderId }, 'order.paid came after the reservation expired; its units were taken again');
          else log.info({ orderId, outcome: confirmed }, 'reservation confirmed');
        } else {
          const released = await releaseStockIn(db, orderId);
          log.info({ orderId, outcome: released.outcome, items: released.items }, 'reservation released');
        }
      });
      log.debug({ outcome }, 'order event consumed');
    },
  });
}
