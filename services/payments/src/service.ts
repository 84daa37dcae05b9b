import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES, paymentsV1 } from '@switchyard/contracts/grpc-contracts';
import { consumerSettings } from '@switchyard/kit/event-consumer';
import { startEventing } from '@switchyard/kit/eventing';
import { Failpoints } from '@switchyard/kit/failpoints';
import { INBOX_MIGRATIONS } from '@switchyard/kit/kit-migrations';
import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { guardCheckedOutClients } from '@switchyard/kit/pool-guard';
import { hostService } from '@switchyard/kit/service-host';
import { createApp } from './app.js';
import { CHARGE_AFTER_COMMIT, Charges } from './charges/charges.js';
import type { Config } from './config.js';
import { registerOrderClosedConsumer } from './events/order-closed-consumer.js';
import { paymentsHandlers } from './grpc/payments-handlers.js';

/** Wires payments (database, migrations, gRPC, the order-closed consumer, and HTTP for health) and starts listening. */
export function startPayments(config: Readonly<Config>, log: Logger): Promise<StartedService> {
  return hostService(config, log, {
    name: 'payments',
    migrations: [fileURLToPath(new URL('../migrations', import.meta.url)), INBOX_MIGRATIONS],
    build: async ({ metrics, readiness, pool }) => {
      // Until the kit's pool does it for every service: a connection lost between queries must not crash the process.
      guardCheckedOutClients(pool!, log);
      const failpoints = new Failpoints([CHARGE_AFTER_COMMIT], { enabled: config.FAILPOINTS_ENABLED, log });
      const charges = new Charges(pool!, log, failpoints);
      const events = await startEventing(config, { log, metrics, readiness, pool: pool! }, {
        service: 'payments',
        relay: false,
        consumers: (connection) =>
          registerOrderClosedConsumer(connection, { pool: pool!, charges, log: log.child({ area: 'consumer' }), registry: metrics.registry }, consumerSettings(config)),
      });
      return {
        app: createApp({ config, log, metrics, readiness, failpoints }),
        grpc: { name: SERVICE_NAMES.payments, definition: paymentsV1().Payments.service, handlers: paymentsHandlers(charges) },
        stop: events.stop,
      };
    },
  });
}
