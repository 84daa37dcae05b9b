import type { Logger } from '@switchyard/kit/log';
import { stopService, type StartedService } from '@switchyard/kit/lifecycle';
import { readConfig as readUsersConfig } from '@switchyard/users/config';
import { startUsers } from '@switchyard/users/service';
import { readConfig as readGatewayConfig } from '@switchyard/gateway/config';
import { startGateway } from '@switchyard/gateway/service';

/** A service started in this process on a free port, with its base URL. */
export interface TestService {
  url: string;
  started: StartedService;
  stop: () => Promise<void>;
}

function wrap(started: StartedService): TestService {
  return { url: `http://127.0.0.1:${started.httpPort}`, started, stop: () => stopService(started) };
}

const local = { HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', NODE_ENV: 'test' };

/** Starts the users service against a database, with the given signing key. */
export async function startTestUsers(databaseUrl: string, jwtPrivateKey: string, log: Logger, env: Record<string, string> = {}): Promise<TestService> {
  // A low scrypt cost keeps the suites quick; production uses the default 2^14.
  const config = readUsersConfig({ ...local, DATABASE_URL: databaseUrl, JWT_PRIVATE_KEY: jwtPrivateKey, PASSWORD_SCRYPT_COST: '1024', ...env });
  return wrap(await startUsers(config, log));
}

/** Starts the gateway in front of the given users URL(s). */
export async function startTestGateway(usersUrl: string, log: Logger, env: Record<string, string> = {}): Promise<TestService> {
  return wrap(await startGateway(readGatewayConfig({ ...local, USERS_URL: usersUrl, ...env }), log));
}
