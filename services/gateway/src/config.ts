import { z } from 'zod';
import { baseConfigSchema, listenerConfig, loadConfig, millis, urlList } from '@switchyard/kit/config';

const schema = baseConfigSchema.extend({
  ...listenerConfig(8080),
  /** Base URLs of the users service; several are balanced across (undici BalancedPool). */
  USERS_URL: urlList().default(['http://127.0.0.1:8081']),
  CATALOG_URL: urlList().default(['http://127.0.0.1:8082']),
  NOTIFICATIONS_URL: urlList().default(['http://127.0.0.1:8085']),
  ORDERS_URL: urlList().default(['http://127.0.0.1:8083']),
  /** Where the public signing keys are; defaults to the first users URL. */
  JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  JWT_ISSUER: z.string().min(1).default('switchyard-users'),
  JWT_AUDIENCE: z.string().min(1).default('switchyard'),
  /** After a key-set fetch, an unknown kid triggers no new fetch for this long. */
  JWKS_REFRESH_COOLDOWN_MS: millis(30_000),
  /** Deadline for one upstream call, retries included. */
  UPSTREAM_TIMEOUT_MS: millis(5000).refine((ms) => ms >= 50, 'must be at least 50'),
  UPSTREAM_CONNECT_TIMEOUT_MS: millis(1000).refine((ms) => ms >= 10, 'must be at least 10'),
  /** Extra attempts for requests that are safe to repeat. */
  UPSTREAM_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
}).superRefine((config, ctx) => {
  // The key set's URL is derived from USERS_URL only when that is a plain URL.
  if (!config.JWKS_URL && config.USERS_URL[0]!.startsWith('k8s://')) {
    ctx.addIssue({ code: 'custom', path: ['JWKS_URL'], message: 'is required when USERS_URL is a k8s:// target (e.g. http://users:8080/.well-known/jwks.json)' });
  }
});

export type Config = z.output<typeof schema>;

/** Reads and validates the gateway configuration once. */
export function readConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  return loadConfig(schema, env);
}
