import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES, catalogV1 } from '@switchyard/contracts/grpc-contracts';
import { consumerSettings } from '@switchyard/kit/event-consumer';
import { startEventing } from '@switchyard/kit/eventing';
import { INBOX_MIGRATIONS } from '@switchyard/kit/kit-migrations';
import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { hostService, type StartOptions } from '@switchyard/kit/service-host';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { registerCompensationConsumer } from './events/compensation-consumer.js';
import { catalogHandlers } from './grpc/catalog-handlers.js';
import { Catalog } from './products/catalog.js';

/** Wires the catalog (database with the seed, HTTP, gRPC, the compensation consumer) and starts listening. */
export function startCatalog(config: Readonly<Config>, log: Logger, start: StartOptions = {}): Promise<StartedService> {
  return hostService(config, log, {
    name: 'catalog',
    migrations: [fileURLToPath(new URL('../migrations', import.meta.url)), INBOX_MIGRATIONS],
    build: async ({ metrics, readiness, pool, signal }) => {
      const catalog = new Catalog(pool!);
      const events = await startEventing(config, { log, metrics, readiness, pool: pool!, signal }, {
        service: 'catalog',
        relay: false,
        consumers: (connection) =>
          registerCompensationConsumer(connection, { pool: pool!, log: log.child({ area: 'consumer' }), registry: metrics.registry }, consumerSettings(config)),
      });
      return {
        app: createApp({ config, log, metrics, readiness, catalog }),
        grpc: { name: SERVICE_NAMES.catalog, definition: catalogV1().Catalog.service, handlers: catalogHandlers(catalog, pool!) },
        stop: events.stop,
      };
    },
  }, start);
}
