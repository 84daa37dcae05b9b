import { join, resolve } from 'node:path';
import type { LocalSystem } from '@switchyard/devstack/system';
import type { Logger } from '@switchyard/kit/log';
import { freePort } from '../support/ports.js';
import { startTestGateway, type TestService } from '../support/services.js';

const ROOT = resolve(import.meta.dirname, '../..');

export interface RestartableGateway {
  url: string;
  stop(): Promise<void>;
  /** Starts it again on the same port (a restart or a redeploy, as the browser sees it). */
  start(): Promise<void>;
}

/**
 * A second gateway, in this process, in front of the services of a running local system, on a port
 * of its own that it keeps across restarts: the runner's own gateway cannot be stopped and started
 * again from a test, this one can. Same code, same configuration reader, same storefront build.
 */
export async function restartableGateway(system: LocalSystem, log: Logger): Promise<RestartableGateway> {
  const port = await freePort();
  const urls = (service: string) =>
    system.instances
      .filter((i) => i.service === service)
      .map((i) => i.url)
      .join(',');
  const env = {
    HTTP_PORT: String(port),
    CATALOG_URL: urls('catalog'),
    ORDERS_URL: urls('orders'),
    NOTIFICATIONS_URL: urls('notifications'),
    WEB_ROOT: join(ROOT, 'web/dist'),
  };
  let running: TestService | undefined = await startTestGateway(urls('users'), log, env);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      await running?.stop();
      running = undefined;
    },
    start: async () => {
      running ??= await startTestGateway(urls('users'), log, env);
    },
  };
}
