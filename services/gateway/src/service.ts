import { boundPort, closeServer, listen } from '@switchyard/kit/http-service';
import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { createMetrics } from '@switchyard/kit/metrics';
import { Readiness } from '@switchyard/kit/readiness';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { Upstream } from './upstream/upstream.js';

/** Wires the gateway (upstream pools, JWT verification, routes) and starts listening. */
export async function startGateway(config: Readonly<Config>, log: Logger): Promise<StartedService> {
  const upstreamOptions = {
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
    retries: config.UPSTREAM_RETRIES,
    log,
  };
  const upstreams = new Map([
    ['users', new Upstream('users', config.USERS_URL, upstreamOptions)],
    ['catalog', new Upstream('catalog', config.CATALOG_URL, upstreamOptions)],
  ]);
  // Ready as soon as it listens: an upstream that is down fails its own routes with 503,
  // while the edge keeps serving everything else.
  const readiness = new Readiness();
  const app = createApp({ config, log, metrics: createMetrics('gateway'), readiness, upstreams });
  const server = await listen(app, config.HTTP_PORT, config.HTTP_HOST);
  return {
    readiness,
    httpPort: boundPort(server),
    steps: [
      { name: 'http', run: () => closeServer(server) },
      { name: 'upstreams', run: async () => void (await Promise.all([...upstreams.values()].map((u) => u.close()))) },
    ],
  };
}
