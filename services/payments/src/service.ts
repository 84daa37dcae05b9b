import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES, paymentsV1 } from '@switchyard/contracts/grpc-contracts';
import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { hostService, type StartOptions } from '@switchyard/kit/service-host';
import { Charges } from './charges/charges.js';
import type { Config } from './config.js';
import { paymentsHandlers } from './grpc/payments-handlers.js';

/** Wires payments (database, migrations, gRPC; health and metrics on the admin port) and starts listening. */
export function startPayments(config: Readonly<Config>, log: Logger, start: StartOptions = {}): Promise<StartedService> {
  return hostService(config, log, {
    name: 'payments',
    migrations: fileURLToPath(new URL('../migrations', import.meta.url)),
    build: async ({ pool }) => ({
      grpc: { name: SERVICE_NAMES.payments, definition: paymentsV1().Payments.service, handlers: paymentsHandlers(new Charges(pool!, log)) },
    }),
  }, start);
}
