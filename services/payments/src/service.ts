import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES, paymentsV1 } from '@switchyard/contracts/grpc-contracts';
import { serveGrpc } from '@switchyard/kit/grpc-service';
import { boundPort, closeServer, listen } from '@switchyard/kit/http-service';
import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { createMetrics } from '@switchyard/kit/metrics';
import { migrate } from '@switchyard/kit/migrate';
import { createPool, databaseCheck } from '@switchyard/kit/postgres';
import { Readiness } from '@switchyard/kit/readiness';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { paymentsHandlers } from './grpc/payments-handlers.js';
import { Charges } from './charges/charges.js';

const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url));

/** Wires payments (database, migrations, gRPC, and HTTP for health) and starts listening. */
export async function startPayments(config: Readonly<Config>, log: Logger): Promise<StartedService> {
  const pool = createPool(config.DATABASE_URL, log, { applicationName: 'payments' });
  try {
    await migrate(pool, MIGRATIONS, log);
    const readiness = new Readiness().add('database', databaseCheck(pool));
    const metrics = createMetrics('payments');
    const grpc = await serveGrpc(config, { log, metrics, readiness }, {
      name: SERVICE_NAMES.payments,
      definition: paymentsV1().Payments.service,
      handlers: paymentsHandlers(new Charges(pool, log)),
    });
    const server = await listen(createApp({ config, log, metrics, readiness }), config.HTTP_PORT, config.HTTP_HOST);
    return {
      readiness,
      httpPort: boundPort(server),
      grpcPort: grpc.port,
      steps: [
        { name: 'http', run: () => closeServer(server) },
        grpc.step,
        { name: 'database', run: () => pool.end() },
      ],
    };
  } catch (err) {
    await pool.end();
    throw err;
  }
}
