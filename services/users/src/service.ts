import { fileURLToPath } from 'node:url';
import { boundPort, closeServer, listen } from '@switchyard/kit/http-service';
import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { SERVICE_NAMES, usersV1 } from '@switchyard/contracts/grpc-contracts';
import { serveGrpc } from '@switchyard/kit/grpc-service';
import { createMetrics } from '@switchyard/kit/metrics';
import { migrate } from '@switchyard/kit/migrate';
import { createPool, databaseCheck } from '@switchyard/kit/postgres';
import { Readiness } from '@switchyard/kit/readiness';
import { Accounts } from './accounts/accounts.js';
import { TokenIssuer } from './accounts/token-issuer.js';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { usersHandlers } from './grpc/users-handlers.js';

const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url));

/** Wires the users service (database, migrations, keys, HTTP and gRPC) and starts listening. */
export async function startUsers(config: Readonly<Config>, log: Logger): Promise<StartedService> {
  const pool = createPool(config.DATABASE_URL, log, { applicationName: 'users' });
  try {
    await migrate(pool, MIGRATIONS, log);
    const tokens = await TokenIssuer.fromPem(config.JWT_PRIVATE_KEY, {
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      ttlSeconds: config.JWT_TTL_SECONDS,
    });
    const accounts = await Accounts.create({ pool, tokens, log, scryptCost: config.PASSWORD_SCRYPT_COST });
    const readiness = new Readiness().add('database', databaseCheck(pool));
    const metrics = createMetrics('users');
    const grpc = await serveGrpc(config, { log, metrics, readiness }, {
      name: SERVICE_NAMES.users,
      definition: usersV1().Users.service,
      handlers: usersHandlers(accounts),
    });
    const server = await listen(createApp({ config, log, metrics, readiness, accounts, tokens }), config.HTTP_PORT, config.HTTP_HOST);
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
