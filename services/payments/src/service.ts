import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES, paymentsV1 } from '@switchyard/contracts/grpc-contracts';
import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { hostService } from '@switchyard/kit/service-host';
import { createApp } from './app.js';
import { Charges } from './charges/charges.js';
import type { Config } from './config.js';
import { paymentsHandlers } from './grpc/payments-handlers.js';

/** Wires payments (database, migrations, gRPC, and HTTP for health) and starts listening. */
export function startPayments(config: Readonly<Config>, log: Logger): Promise<StartedService> {
  return hostService(config, log, {
    name: 'payments',
    migrations: fileURLToPath(new URL('../migrations', import.meta.url)),
    build: async ({ metrics, readiness, pool }) => ({
      app: createApp({ config, log, metrics, readiness }),
      grpc: { name: SERVICE_NAMES.payments, definition: paymentsV1().Payments.service, handlers: paymentsHandlers(new Charges(pool!, log)) },
    }),
  });
}
