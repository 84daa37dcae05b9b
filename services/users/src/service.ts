import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES, usersV1 } from '@switchyard/contracts/grpc-contracts';
import { startEventing } from '@switchyard/kit/eventing';
import { OUTBOX_MIGRATIONS } from '@switchyard/kit/kit-migrations';
import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { hostService, type StartOptions } from '@switchyard/kit/service-host';
import { Accounts } from './accounts/accounts.js';
import { TokenIssuer } from './accounts/token-issuer.js';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { usersHandlers } from './grpc/users-handlers.js';

/** Wires the users service (database, migrations, keys, outbox relay, HTTP and gRPC) and starts listening. */
export function startUsers(config: Readonly<Config>, log: Logger, start: StartOptions = {}): Promise<StartedService> {
  return hostService(config, log, {
    name: 'users',
    migrations: [fileURLToPath(new URL('../migrations', import.meta.url)), OUTBOX_MIGRATIONS],
    build: async ({ metrics, readiness, pool, signal }) => {
      const events = await startEventing(config, { log, metrics, readiness, pool: pool!, signal }, { service: 'users', relay: true });
      const tokens = await TokenIssuer.fromPem(config.JWT_PRIVATE_KEY, {
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        ttlSeconds: config.JWT_TTL_SECONDS,
      });
      const accounts = await Accounts.create({ pool: pool!, tokens, log, scryptCost: config.PASSWORD_SCRYPT_COST });
      return {
        app: createApp({ config, log, metrics, readiness, accounts, tokens }),
        grpc: { name: SERVICE_NAMES.users, definition: usersV1().Users.service, handlers: usersHandlers(accounts) },
        stop: events.stop,
      };
    },
  }, start);
}
