import { fileURLToPath } from 'node:url';
import { remoteVerifier, requireUser } from '@switchyard/kit/auth';
import { consumerSettings } from '@switchyard/kit/event-consumer';
import { startEventing } from '@switchyard/kit/eventing';
import { INBOX_MIGRATIONS } from '@switchyard/kit/kit-migrations';
import type { StartedService } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { hostService, type StartOptions } from '@switchyard/kit/service-host';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { registerNotificationConsumer } from './events/notification-consumer.js';
import { LiveFeed } from './live/live-feed.js';

/** Wires notifications (database, consumer with inbox, live feed, HTTP with SSE) and starts listening. */
export function startNotifications(config: Readonly<Config>, log: Logger, start: StartOptions = {}): Promise<StartedService> {
  return hostService(config, log, {
    name: 'notifications',
    migrations: [fileURLToPath(new URL('../migrations', import.meta.url)), INBOX_MIGRATIONS],
    build: async ({ metrics, readiness, pool, signal }) => {
      const feed = new LiveFeed(pool!, config.DATABASE_URL, log.child({ area: 'live' }), metrics.registry).start();
      const events = await startEventing(config, { log, metrics, readiness, pool: pool!, signal }, {
        service: 'notifications',
        relay: false,
        consumers: (connection) =>
          registerNotificationConsumer(connection, { pool: pool!, log: log.child({ area: 'consumer' }), registry: metrics.registry }, consumerSettings(config)),
      });
      return {
        app: createApp({ config, log, metrics, readiness, pool: pool!, feed, requireUser: requireUser(remoteVerifier(config, log), config.JWT_AUDIENCE) }),
        stop: [...events.stop, { name: 'live feed', run: () => feed.stop() }],
      };
    },
  }, start);
}
