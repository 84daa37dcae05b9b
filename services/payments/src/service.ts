import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES, paymentsV1 } from '@switchyard/contracts/grpc-contracts';
import { callerCheck, remoteVerifier } from '@switchyard/kit/auth';
import { consumerSettings } from '@switchyard/kit/event-consumer';
import { startEventing } from '@switchyard/kit/eventing';
import { Failpoints, failpointRoutes } from '@switchyard/kit/failpoints';
import { INBOX_MIGRATIONS } from '@switchyard/kit/kit-migrations';
import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { hostService, type StartOptions } from '@switchyard/kit/service-host';
import { CHARGE_AFTER_COMMIT, Charges } from './charges/charges.js';
import type { Config } from './config.js';
import { registerOrderClosedConsumer } from './events/order-closed-consumer.js';
import { paymentsHandlers } from './grpc/payments-handlers.js';

/** Who may call payments over gRPC: only orders charges, refunds and asks. */
const GRPC_CALLERS = { '*': ['orders'] };

/** Wires payments (database, migrations, gRPC, the order-closed consumer; health and metrics on the admin port) and starts listening. */
export function startPayments(config: Readonly<Config>, log: Logger, start: StartOptions = {}): Promise<StartedService> {
  return hostService(config, log, {
    name: 'payments',
    migrations: [fileURLToPath(new URL('../migrations', import.meta.url)), INBOX_MIGRATIONS],
    build: async ({ metrics, readiness, pool, signal, admin }) => {
      const failpoints = new Failpoints([CHARGE_AFTER_COMMIT], { enabled: config.FAILPOINTS_ENABLED, log });
      failpointRoutes(admin, failpoints);
      const charges = new Charges(pool!, log, failpoints);
      const events = await startEventing(config, { log, metrics, readiness, pool: pool!, signal }, {
        service: 'payments',
        relay: false,
        consumers: (connection) =>
          registerOrderClosedConsumer(connection, { pool: pool!, charges, log: log.child({ area: 'consumer' }), registry: metrics.registry }, consumerSettings(config)),
      });
      return {
        grpc: {
          name: SERVICE_NAMES.payments,
          definition: paymentsV1().Payments.service,
          handlers: paymentsHandlers(charges),
          authorize: callerCheck(remoteVerifier(config, log), 'payments', GRPC_CALLERS),
        },
        stop: events.stop,
      };
    },
  }, start);
}
