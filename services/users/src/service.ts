import { fileURLToPath } from 'node:url';
import { createLocalJWKSet } from 'jose';
import { Counter } from 'prom-client';
import { SERVICE_NAMES, usersV1 } from '@switchyard/contracts/grpc-contracts';
import { callerCheck, requireUser } from '@switchyard/kit/auth';
import { startEventing } from '@switchyard/kit/eventing';
import { OUTBOX_MIGRATIONS } from '@switchyard/kit/kit-migrations';
import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { hostService, type StartOptions } from '@switchyard/kit/service-host';
import { TokenVerifier } from '@switchyard/kit/token-verifier';
import { Accounts } from './accounts/accounts.js';
import { LoginThrottle } from './accounts/login-throttle.js';
import { ServiceClients } from './accounts/service-clients.js';
import { TokenIssuer } from './accounts/token-issuer.js';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { usersHandlers } from './grpc/users-handlers.js';

/** Who may call users over gRPC. */
const GRPC_CALLERS = { '*': ['orders'] };

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
        serviceTtlSeconds: config.SERVICE_TOKEN_TTL_SECONDS,
      });
      // users verifies with its own public key: no key set to fetch.
      const verifier = new TokenVerifier(createLocalJWKSet(tokens.jwks()), { issuer: config.JWT_ISSUER, maxAgeSeconds: config.JWT_MAX_AGE_SECONDS });
      const registry = metrics.registry;
      const checks = new Counter({ name: 'password_checks_total', help: 'Password checks (scrypt) run by logins.', registers: [registry] });
      const throttle = new LoginThrottle(pool!, { freeFailures: config.LOGIN_FREE_FAILURES, maxDelaySeconds: config.LOGIN_MAX_DELAY_SECONDS, holdSeconds: 10 });
      const pruning = setInterval(() => void throttle.prune().catch((err) => log.warn({ err }, 'pruning login attempts failed')), 600_000).unref();
      const accounts = await Accounts.create({ pool: pool!, tokens, log, scryptCost: config.PASSWORD_SCRYPT_COST, throttle, onPasswordCheck: () => checks.inc() });
      const clients = ServiceClients.parse(config.SERVICE_CLIENTS);
      return {
        app: createApp({ config, log, metrics, readiness, accounts, tokens, clients, requireUser: requireUser(verifier, config.JWT_AUDIENCE) }),
        grpc: {
          name: SERVICE_NAMES.users,
          definition: usersV1().Users.service,
          handlers: usersHandlers(accounts),
          authorize: callerCheck(verifier, 'users', GRPC_CALLERS),
        },
        stop: [...events.stop, { name: 'login attempt pruning', run: async () => clearInterval(pruning) }],
      };
    },
  }, start);
}
