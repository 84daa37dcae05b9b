import type { ShutdownStep } from '@switchyard/kit/lifecycle';
import type { Logger } from '@switchyard/kit/log';
import { PgListener } from '@switchyard/kit/pg-listener';
import type { ProductCache } from './product-cache.js';

/** The channel the products table's trigger (migration 004) notifies with a changed product's id. */
export const PRODUCT_CHANGES_CHANNEL = 'catalog_product_changes';

/**
 * Keeps the product cache true to the database: every committed insert, update or delete of a
 * product (by any replica, the sweeper, the event consumer or plain SQL: the trigger sees them all)
 * drops that product's entry in every replica.
 */
export function startProductChangeFeed(cache: ProductCache, databaseUrl: string, log: Logger): ShutdownStep {
  const listener = new PgListener({
    databaseUrl,
    channel: PRODUCT_CHANGES_CHANNEL,
    applicationName: 'catalog-product-changes',
    log,
    onNotify: (id) => {
      if (id) cache.invalidate(id);
    },
    onListening: () => {
      cache.resume();
      log.info('product change feed listening; product cache starts empty');
    },
    onLost: () => {
      cache.suspend();
      log.warn('product change feed lost its connection; product reads go to the database until it listens again');
    },
  });
  return { name: 'product change feed', run: () => listener.stop() };
}
