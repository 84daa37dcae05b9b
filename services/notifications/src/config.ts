import { z } from 'zod';
import { amqpConfig, authUrlConfig, baseConfigSchema, consumerConfig, databaseConfig, listenerConfig, loadConfig, millis, tokenConfig } from '@switchyard/kit/config';

const schema = baseConfigSchema.extend({
  ...listenerConfig(8085),
  ...databaseConfig(),
  ...authUrlConfig(),
  ...tokenConfig(),
  ...amqpConfig(),
  ...consumerConfig('notifications'),
  /** A comment line on every open stream this often keeps proxies from closing idle streams. */
  SSE_HEARTBEAT_MS: millis(15_000).refine((ms) => ms >= 100, 'must be at least 100'),
});

export type Config = z.output<typeof schema>;

/** Reads and validates the notifications configuration once. */
export function readConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  return loadConfig(schema, env);
}
