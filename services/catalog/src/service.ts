import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES, catalogV1 } from '@switchyard/contracts/grpc-contracts';
import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { hostService } from '@switchyard/kit/service-host';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { catalogHandlers } from './grpc/catalog-handlers.js';
import { Catalog } from './products/catalog.js';

/** Wires the catalog (database, migrations with the seed, HTTP and gRPC) and starts listening. */
export function startCatalog(config: Readonly<Config>, log: Logger): Promise<StartedService> {
  return hostService(config, log, {
    name: 'catalog',
    migrations: fileURLToPath(new URL('../migrations', import.meta.url)),
    poolMax: 20,
    build: async ({ metrics, readiness, pool }) => {
      const catalog = new Catalog(pool!);
      return {
        app: createApp({ config, log, metrics, readiness, catalog }),
        grpc: { name: SERVICE_NAMES.catalog, definition: catalogV1().Catalog.service, handlers: catalogHandlers(catalog, pool!) },
      };
    },
  });
}
