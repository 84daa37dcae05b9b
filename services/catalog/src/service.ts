import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES, catalogV1 } from '@switchyard/contracts/grpc-contracts';
import { serveGrpc } from '@switchyard/kit/grpc-service';
import { boundPort, closeServer, listen } from '@switchyard/kit/http-service';
import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { createMetrics } from '@switchyard/kit/metrics';
import { migrate } from '@switchyard/kit/migrate';
import { createPool, databaseCheck } from '@switchyard/kit/postgres';
import { Readiness } from '@switchyard/kit/readiness';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { catalogHandlers } from './grpc/catalog-handlers.js';
import { Catalog } from './products/catalog.js';

const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url));

/** Wires the catalog (database, migrations with the seed, HTTP and gRPC) and starts listening. */
export async function startCatalog(config: Readonly<Config>, log: Logger): Promise<StartedService> {
  const pool = createPool(config.DATABASE_URL, log, { applicationName: 'catalog', max: 20 });
  try {
    await migrate(pool, MIGRATIONS, log);
    const catalog = new Catalog(pool);
    const readiness = new Readiness().add('database', databaseCheck(pool));
    const metrics = createMetrics('catalog');
    const grpc = await serveGrpc(config, { log, metrics, readiness }, {
      name: SERVICE_NAMES.catalog,
      definition: catalogV1().Catalog.service,
      handlers: catalogHandlers(catalog, pool),
    });
    const server = await listen(createApp({ config, log, metrics, readiness, catalog }), config.HTTP_PORT, config.HTTP_HOST);
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
