import { parseEvent, type AnyEvent } from '@switchyard/contracts/events';
import type { AmqpConnection } from '@switchyard/kit/amqp-connection';
import { consumerOptions } from '@switchyard/kit/consumer-options';
import { PoisonMessageError, registerEventConsumer, type ConsumerSettings } from '@switchyard/kit/event-consumer';
import { processOnce } from '@switchyard/kit/inbox';
import type { Logger } from '@switchyard/kit/log';
import type { Pool } from '@switchyard/kit/postgres';
import type { Registry } from 'prom-client';
import type { Charges } from '../charges/charges.js';

/**
 * The money side of an order that ended unpaid, exactly once (inbox): order.cancelled and
 * order.expired refund a charge that succeeded (a reply that was lost, a pay that lost the race) and
 * void an order never charged, so a Charge that arrives later is refused.
 */
export function registerOrderClosedConsumer(
  connection: AmqpConnection,
  deps: { pool: Pool; charges: Charges; log: Logger; registry: Registry },
  settings: ConsumerSettings,
): void {
  registerEventConsumer<AnyEvent>({
    connection,
    ...consumerOptions(settings, ['order.cancelled', 'order.expired']),
    log: deps.log,
    registry: deps.registry,
    decode: parseEvent,
    handle: async (event, { log }) => {
      if (event.type !== 'order.cancelled' && event.type !== 'order.expired') throw new PoisonMessageError(`payments does not handle ${event.type}`);
      const { orderId } = event.data;
      await processOnce(deps.pool, 'payments', event.id, async (db) => {
        const outcome = await deps.charges.closeOrderIn(db, orderId, event.type);
        log.info({ orderId, outcome }, 'order ended unpaid: payment closed');
      });
    },
  });
}
