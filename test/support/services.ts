import type { Logger } from '@switchyard/kit/log';
import { amqpUrl, isolatedNames } from './broker.js';
import { TEST_CLIENT_SECRET, testIssuer, testServiceClients } from './identity.js';
import { stopService, type StartedService } from '@switchyard/kit/lifecycle';
import { readConfig as readCatalogConfig } from '@switchyard/catalog/config';
import { startCatalog } from '@switchyard/catalog/service';
import { readConfig as readGatewayConfig } from '@switchyard/gateway/config';
import { startGateway } from '@switchyard/gateway/service';
import { readConfig as readPaymentsConfig } from '@switchyard/payments/config';
import { startPayments } from '@switchyard/payments/service';
import { readConfig as readNotificationsConfig } from '@switchyard/notifications/config';
import { startNotifications } from '@switchyard/notifications/service';
import { readConfig as readOrdersConfig } from '@switchyard/orders/config';
import { startOrders } from '@switchyard/orders/service';
import { readConfig as readUsersConfig } from '@switchyard/users/config';
import { startUsers } from '@switchyard/users/service';

/** A service started in this process on free ports, with its base URL and gRPC address. */
export interface TestService {
  /** The public API (none for payments). */
  url: string;
  /** The admin listener: /healthz, /readyz, /metrics. */
  adminUrl: string;
  grpcAddress: string;
  started: StartedService;
  stop: () => Promise<void>;
}

type Env = Record<string, string>;

const LOCAL: Env = { HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', ADMIN_PORT: '0', GRPC_PORT: '0', NODE_ENV: 'test' };

/** Starts a service through its own config reader and start function, as its main.ts does. */
async function startTest<C>(readConfig: (env: Env) => C, start: (config: C, log: Logger) => Promise<StartedService>, log: Logger, env: Env): Promise<TestService> {
  // Services verify tokens against the test issuer (or the AUTH_URL a suite gives them).
  const started = await start(readConfig({ ...LOCAL, AUTH_URL: (await testIssuer()).url, ...env }), log);
  return {
    url: `http://127.0.0.1:${started.httpPort ?? 0}`,
    adminUrl: `http://127.0.0.1:${started.adminPort ?? 0}`,
    grpcAddress: `127.0.0.1:${started.grpcPort ?? 0}`,
    started,
    stop: () => stopService(started),
  };
}

/**
 * users against a database, signing with the given key (the test issuer's by default, so services that
 * verify against the test issuer accept its tokens), issuing service tokens to orders with the test
 * secret, and publishing to the harness's RabbitMQ on an exchange nobody else uses (unless env says
 * otherwise). A low scrypt cost keeps the suites quick.
 */
export const startTestUsers = async (databaseUrl: string, jwtPrivateKey: string | undefined, log: Logger, env: Env = {}) =>
  startTest(readUsersConfig, startUsers, log, {
    DATABASE_URL: databaseUrl,
    JWT_PRIVATE_KEY: jwtPrivateKey ?? (await testIssuer()).key,
    SERVICE_CLIENTS: testServiceClients('orders'),
    PASSWORD_SCRYPT_COST: '1024',
    AMQP_URL: amqpUrl(),
    EVENTS_EXCHANGE: isolatedNames('users').exchange,
    ...env,
  });

/** The gateway in front of the given users URL(s). */
export const startTestGateway = (usersUrl: string, log: Logger, env: Env = {}) => startTest(readGatewayConfig, startGateway, log, { USERS_URL: usersUrl, ...env });

/** catalog against a database (seeded by its migrations), consuming from an exchange and queue of its own unless env says otherwise. */
export const startTestCatalog = (databaseUrl: string, log: Logger, env: Env = {}) => {
  const names = isolatedNames('catalog');
  return startTest(readCatalogConfig, startCatalog, log, { DATABASE_URL: databaseUrl, AMQP_URL: amqpUrl(), EVENTS_EXCHANGE: names.exchange, EVENTS_QUEUE: names.queue, ...env });
};

/** notifications against a database, consuming from an exchange and queue of its own unless env says otherwise. */
export const startTestNotifications = (databaseUrl: string, log: Logger, env: Env = {}) => {
  const names = isolatedNames('notifications');
  return startTest(readNotificationsConfig, startNotifications, log, { DATABASE_URL: databaseUrl, AMQP_URL: amqpUrl(), EVENTS_EXCHANGE: names.exchange, EVENTS_QUEUE: names.queue, ...env });
};

/** payments against a database, consuming order.cancelled/expired from an exchange and queue of its own unless env says otherwise. */
export const startTestPayments = (databaseUrl: string, log: Logger, env: Env = {}) => {
  const names = isolatedNames('payments');
  return startTest(readPaymentsConfig, startPayments, log, { DATABASE_URL: databaseUrl, AMQP_URL: amqpUrl(), EVENTS_EXCHANGE: names.exchange, EVENTS_QUEUE: names.queue, ...env });
};

/** orders against a database, calling the given gRPC addresses. */
export const startTestOrders = (databaseUrl: string, log: Logger, targets: { users: string; catalog: string; payments: string }, env: Env = {}) =>
  startTest(readOrdersConfig, startOrders, log, {
    DATABASE_URL: databaseUrl,
    AMQP_URL: amqpUrl(),
    EVENTS_EXCHANGE: isolatedNames('orders').exchange,
    USERS_GRPC_TARGET: `ipv4:${targets.users}`,
    CATALOG_GRPC_TARGET: `ipv4:${targets.catalog}`,
    PAYMENTS_GRPC_TARGET: `ipv4:${targets.payments}`,
    SERVICE_CLIENT_SECRET: TEST_CLIENT_SECRET,
    OUTBOX_POLL_INTERVAL_MS: '200',
    ...env,
  });
