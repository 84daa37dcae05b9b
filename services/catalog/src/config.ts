import { z } from 'zod';
import { amqpConfig, baseConfigSchema, consumerConfig, databaseConfig, grpcServerConfig, listenerConfig, loadConfig } from '@switchyard/kit/config';

const schema = baseConfigSchema.extend({
  ...listenerConfig(8082),
  ...grpcServerConfig(9082),
  ...databaseConfig(20),
  ...amqpConfig(),
  ...consumerConfig('catalog'),
  /** Cache-Control max-age of product responses; stock changes, so it stays short. */
  PRODUCT_CACHE_MAX_AGE_SECONDS: z.coerce.number().int().min(0).max(3600).default(5),
});

export type Config = z.output<typeof schema>;

/** Reads and validates the catalog configuration once. */
export function readConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  return loadConfig(schema, env);
}
