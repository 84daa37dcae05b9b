import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { hostService } from '@switchyard/kit/service-host';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { Upstream } from './upstream/upstream.js';

/** Wires the gateway (upstream pools, JWT verification, routes) and starts listening. */
export function startGateway(config: Readonly<Config>, log: Logger): Promise<StartedService> {
  return hostService(config, log, {
    name: 'gateway',
    // Ready as soon as it listens: an upstream that is down fails its own routes with 503,
    // while the edge keeps serving everything else.
    build: async ({ metrics, readiness }) => {
      const upstreamOptions = {
        timeoutMs: config.UPSTREAM_TIMEOUT_MS,
        connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
        retries: config.UPSTREAM_RETRIES,
        log,
      };
      const upstreams = new Map([
        ['users', new Upstream('users', config.USERS_URL, upstreamOptions)],
        ['catalog', new Upstream('catalog', config.CATALOG_URL, upstreamOptions)],
        ['notifications', new Upstream('notifications', config.NOTIFICATIONS_URL, upstreamOptions)],
        ['orders', new Upstream('orders', config.ORDERS_URL, upstreamOptions)],
      ]);
      return {
        app: createApp({ config, log, metrics, readiness, upstreams }),
        stop: [{ name: 'upstreams', run: async () => void (await Promise.all([...upstreams.values()].map((u) => u.close()))) }],
      };
    },
  });
}
