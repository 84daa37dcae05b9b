import { fileURLToPath } from 'node:url';
import { consumerSettings } from '@switchyard/kit/event-consumer';
import { startEventing } from '@switchyard/kit/eventing';
import { INBOX_MIGRATIONS } from '@switchyard/kit/kit-migrations';
import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { guardCheckedOutClients } from '@switchyard/kit/pool-guard';
import { hostService } from '@switchyard/kit/service-host';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { registerNotificationConsumer } from './events/notification-consumer.js';
import { LiveFeed } from './live/live-feed.js';

/** Wires notifications (database, consumer with inbox, live feed, HTTP with SSE) and starts listening. */
export function startNotifications(config: Readonly<Config>, log: Logger): Promise<StartedService> {
  return hostService(config, log, {
    name: 'notifications',
    migrations: [fileURLToPath(new URL('../migrations', import.meta.url)), INBOX_MIGRATIONS],
    build: async ({ metrics, readiness, pool }) => {
      // Until the kit's pool does it for every service: a connection lost between queries must not crash the process.
      guardCheckedOutClients(pool!, log);
      const feed = new LiveFeed(config.DATABASE_URL, log.child({ area: 'live' })).start();
      const events = await startEventing(config, { log, metrics, readiness, pool: pool! }, {
        service: 'notifications',
        relay: false,
        consumers: (connection) =>
          registerNotificationConsumer(connection, { pool: pool!, log: log.child({ area: 'consumer' }), registry: metrics.registry }, consumerSettings(config)),
      });
      return {
        app: createApp({ config, log, metrics, readiness, pool: pool!, feed }),
        stop: [...events.stop, { name: 'live feed', run: () => feed.stop() }],
      };
    },
  });
}
