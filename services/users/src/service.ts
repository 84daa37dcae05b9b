import { fileURLToPath } from 'node:url';
import { boundPort, closeServer, listen } from '@switchyard/kit/http-service';
import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { createMetrics } from '@switchyard/kit/metrics';
import { migrate } from '@switchyard/kit/migrate';
import { createPool, databaseCheck } from '@switchyard/kit/postgres';
import { Readiness } from '@switchyard/kit/readiness';
import { Accounts } from './accounts/accounts.js';
import { TokenIssuer } from './accounts/token-issuer.js';
import { createApp } from './app.js';
import type { Config } from './config.js';

const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url));

/** Wires the users service (database, migrations, keys, HTTP) and starts listening. */
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
    const app = createApp({ config, log, metrics: createMetrics('users'), readiness, accounts, tokens });
    const server = await listen(app, config.HTTP_PORT, config.HTTP_HOST);
    return {
      readiness,
      httpPort: boundPort(server),
      steps: [
        { name: 'http', run: () => closeServer(server) },
        { name: 'database', run: () => pool.end() },
      ],
    };
  } catch (err) {
    await pool.end();
    throw err;
  }
}
