import type { ServiceDatabases } from '../../scripts/check-consistency.js';
import { amqpUrl, isolatedNames } from './broker.js';
import { freshDatabase, queryRows } from './database.js';
import { FreezableProxy } from './freezable-proxy.js';
import { capturedLogger } from './logs.js';
import { freePort } from './ports.js';
import { startTestCatalog, startTestGateway, startTestOrders, startTestPayments, startTestUsers, type TestService } from './services.js';

import { ShopClient } from './shop-client.js';

type Env = Record<string, string>;

export interface ShopOptions {
  /** Extra environment of orders (short TTLs, deadlines). */
  orders?: Env;
  catalog?: Env;
  /** Put a FreezableProxy between orders and catalog, and between orders and payments. */
  proxied?: boolean;
}

/**
 * The order flow in this process on fresh databases: users, catalog, payments, orders and the
 * gateway, sharing one exchange of their own on the harness's RabbitMQ (so catalog and payments
 * consume orders' events), with the helpers the order suites use.
 */
export class Shop {
  readonly svc: Record<'users' | 'catalog' | 'payments' | 'orders' | 'gateway', TestService> = {} as never;
  readonly dbs: Record<'users' | 'catalog' | 'payments' | 'orders', Awaited<ReturnType<typeof freshDatabase>>> = {} as never;
  proxies: { catalog: FreezableProxy; payments: FreezableProxy } | undefined;
  readonly #captured = capturedLogger('shop');
  readonly log = this.#captured.log;
  /** Every log line of every service of the shop. */
  readonly lines = this.#captured.lines;
  readonly #events = isolatedNames('shop');
  #paymentsPort = 0;
  /** The public API through the gateway. */
  client!: ShopClient;

  static async start(options: ShopOptions = {}): Promise<Shop> {
    const shop = new Shop();
    try {
      await shop.#start(options);
    } catch (err) {
      await shop.stop();
      throw err;
    }
    return shop;
  }

  async #start(options: ShopOptions): Promise<void> {
    for (const name of ['users', 'catalog', 'payments', 'orders'] as const) this.dbs[name] = await freshDatabase(`${name}_shop`);
    const shared = { EVENTS_EXCHANGE: this.#events.exchange, AMQP_RECONNECT_MAX_MS: '1000' };
    const consumer = (service: string) => ({ ...shared, EVENTS_QUEUE: `${this.#events.queue}.${service}`, CONSUMER_RETRY_DELAYS_MS: '100' });
    this.#paymentsPort = await freePort();
    // users signs with the test issuer's key: the other services verify tokens against the test issuer.
    this.svc.users = await startTestUsers(this.dbs.users.url, undefined, this.log, shared);
    this.svc.catalog = await startTestCatalog(this.dbs.catalog.url, this.log, { ...consumer('catalog'), RESERVATION_SWEEP_INTERVAL_MS: '200', ...options.catalog });
    this.svc.payments = await this.#startPayments();
    let catalogAddress = this.svc.catalog.grpcAddress;
    let paymentsAddress = this.svc.payments.grpcAddress;
    if (options.proxied) {
      this.proxies = { catalog: await FreezableProxy.start(catalogAddress), payments: await FreezableProxy.start(paymentsAddress) };
      catalogAddress = this.proxies.catalog.address;
      paymentsAddress = this.proxies.payments.address;
    }
    this.svc.orders = await startTestOrders(this.dbs.orders.url, this.log, { users: this.svc.users.grpcAddress, catalog: catalogAddress, payments: paymentsAddress }, { ...shared, ...options.orders });
    this.svc.gateway = await startTestGateway(this.svc.users.url, this.log, { CATALOG_URL: this.svc.catalog.url, ORDERS_URL: this.svc.orders.url });
    this.client = new ShopClient(this.svc.gateway.url);
  }

  #startPayments(): Promise<TestService> {
    // payments consumes order.cancelled/expired from the shop's exchange.
    return startTestPayments(this.dbs.payments.url, this.log, {
      GRPC_PORT: String(this.#paymentsPort),
      AMQP_URL: amqpUrl(),
      EVENTS_EXCHANGE: this.#events.exchange,
      EVENTS_QUEUE: `${this.#events.queue}.payments`,
      CONSUMER_RETRY_DELAYS_MS: '100',
      AMQP_RECONNECT_MAX_MS: '1000',
    });
  }

  /** Stops payments (an outage); restartPayments() brings it back on the same port. */
  async stopPayments(): Promise<void> {
    await this.svc.payments.stop();
  }

  async restartPayments(): Promise<void> {
    this.svc.payments = await this.#startPayments();
  }

  async stop(): Promise<void> {
    for (const name of ['gateway', 'orders', 'payments', 'catalog', 'users'] as const) await this.svc[name]?.stop();
    await this.proxies?.catalog.stop();
    await this.proxies?.payments.stop();
    for (const db of Object.values(this.dbs)) await db.drop();
  }

  /** The databases, for the consistency check. */
  databases(): ServiceDatabases {
    return { catalog: this.dbs.catalog.url, orders: this.dbs.orders.url, payments: this.dbs.payments.url };
  }

  /** A product's stock row: what the reservations did (the API's product answers may be up to their max-age old). */
  stockOf(productId: string): Promise<number> {
    return this.count('catalog', 'SELECT stock AS n FROM products WHERE id = $1', [productId]);
  }

  /** One number from a query on a service's database (a count, say). */
  async count(db: keyof Shop['dbs'], sql: string, params: unknown[] = []): Promise<number> {
    return Number((await queryRows<{ n: string }>(this.dbs[db].url, sql, params))[0]!.n);
  }
}
