import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { baseConfigSchema, listenerConfig, loadConfig, millis, tokenConfig, urlList } from '@switchyard/kit/config';

const schema = baseConfigSchema.extend({
  ...listenerConfig(8080),
  /** Base URLs of the users service; several are balanced across (undici BalancedPool). */
  USERS_URL: urlList().default(['http://127.0.0.1:8081']),
  CATALOG_URL: urlList().default(['http://127.0.0.1:8082']),
  NOTIFICATIONS_URL: urlList().default(['http://127.0.0.1:8085']),
  ORDERS_URL: urlList().default(['http://127.0.0.1:8083']),
  ...tokenConfig(),
  /** Deadline for one upstream call, retries included. */
  UPSTREAM_TIMEOUT_MS: millis(5000).refine((ms) => ms >= 50, 'must be at least 50'),
  UPSTREAM_CONNECT_TIMEOUT_MS: millis(1000).refine((ms) => ms >= 10, 'must be at least 10'),
  /** Extra attempts for requests that are safe to repeat. */
  UPSTREAM_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  /** The built storefront (Vite's dist folder) served at /; by default web/dist of this checkout or image. */
  WEB_ROOT: z.string().min(1).default(fileURLToPath(new URL('../../../web/dist', import.meta.url))),
});

export type Config = z.output<typeof schema>;

/** Reads and validates the gateway configuration once. */
export function readConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  return loadConfig(schema, env);
}
