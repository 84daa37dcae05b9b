import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES, catalogV1 } from '@switchyard/contracts/grpc-contracts';
import { callerCheck, remoteVerifier } from '@switchyard/kit/auth';
import { consumerSettings } from '@switchyard/kit/event-consumer';
import { startEventing } from '@switchyard/kit/eventing';
import { Failpoints, failpointRoutes } from '@switchyard/kit/failpoints';
import { INBOX_MIGRATIONS } from '@switchyard/kit/kit-migrations';
import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { startPeriodic } from '@switchyard/kit/periodic';
import { hostService, type StartOptions } from '@switchyard/kit/service-host';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { registerCompensationConsumer } from './events/compensation-consumer.js';
import { RESERVE_AFTER_COMMIT, catalogHandlers } from './grpc/catalog-handlers.js';
import { Catalog } from './products/catalog.js';
import { ProductCache } from './products/product-cache.js';
import { startProductChangeFeed } from './products/product-change-feed.js';
import { expireReservations } from './stock/reservations.js';

/** Who may call catalog over gRPC: stock reservations are orders' business. */
const GRPC_CALLERS = { '*': ['orders'] };

/** Wires the catalog (database with the seed, the product cache and its change feed, HTTP, gRPC, the order-event consumer, the reservation sweeper) and starts listening. */
export function startCatalog(config: Readonly<Config>, log: Logger, start: StartOptions = {}): Promise<StartedService> {
  return hostService(config, log, {
    name: 'catalog',
    migrations: [fileURLToPath(new URL('../migrations', import.meta.url)), INBOX_MIGRATIONS],
    build: async ({ metrics, readiness, pool, signal, admin }) => {
      const cache = new ProductCache({ entries: config.PRODUCT_READ_CACHE_ENTRIES, maxAgeMs: config.PRODUCT_READ_CACHE_MAX_AGE_MS }, metrics.registry);
      const changes = config.PRODUCT_READ_CACHE_ENTRIES > 0 ? startProductChangeFeed(cache, config.DATABASE_URL, log.child({ area: 'product-cache' })) : undefined;
      const catalog = new Catalog(pool!, cache);
      const failpoints = new Failpoints([RESERVE_AFTER_COMMIT], { enabled: config.FAILPOINTS_ENABLED, log });
      failpointRoutes(admin, failpoints);
      const events = await startEventing(config, { log, metrics, readiness, pool: pool!, signal }, {
        service: 'catalog',
        relay: false,
        consumers: (connection) =>
          registerCompensationConsumer(connection, { pool: pool!, log: log.child({ area: 'consumer' }), registry: metrics.registry }, consumerSettings(config)),
      });
      const sweepLog = log.child({ area: 'reservation-sweeper' });
      const sweeper = startPeriodic({
        name: 'reservation sweeper',
        intervalMs: config.RESERVATION_SWEEP_INTERVAL_MS,
        log: sweepLog,
        run: async () => {
          const expired = await expireReservations(pool!);
          if (expired.length > 0) sweepLog.info({ reservations: expired.length }, 'expired reservations gave their stock back');
        },
      });
      const holds = { defaultHoldMs: config.RESERVATION_DEFAULT_HOLD_MS, maxHoldMs: config.RESERVATION_MAX_HOLD_MS };
      return {
        app: createApp({ config, log, metrics, readiness, catalog }),
        grpc: {
          name: SERVICE_NAMES.catalog,
          definition: catalogV1().Catalog.service,
          handlers: catalogHandlers(catalog, pool!, holds, failpoints),
          authorize: callerCheck(remoteVerifier(config, log), 'catalog', GRPC_CALLERS),
        },
        stop: [sweeper, ...events.stop, ...(changes ? [changes] : [])],
      };
    },
  }, start);
}
