import { z } from 'zod';
import { amqpConfig, authUrlConfig, baseConfigSchema, consumerConfig, databaseConfig, grpcServerConfig, listenerConfig, loadConfig, millis, tokenConfig } from '@switchyard/kit/config';
import { failpointConfig, refuseFailpointsInProduction } from '@switchyard/kit/failpoints';

const schema = baseConfigSchema
  .extend({
    ...listenerConfig(8082),
    ...grpcServerConfig(9082),
    ...databaseConfig(20),
    ...authUrlConfig(),
    ...tokenConfig(),
    ...amqpConfig(),
    ...consumerConfig('catalog'),
    ...failpointConfig(),
    /** Cache-Control max-age of product responses; stock changes, so it stays short. */
    PRODUCT_CACHE_MAX_AGE_SECONDS: z.coerce.number().int().min(0).max(3600).default(5),
    /** Products kept in each replica's in-process cache (least recently read go first); 0 turns it off. */
    PRODUCT_READ_CACHE_ENTRIES: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
    /** The longest a cached product is served: changes drop it at once (NOTIFY); this bounds a lost one. */
    PRODUCT_READ_CACHE_MAX_AGE_MS: millis(5_000).refine((ms) => ms >= 1, 'must be at least 1'),
    /** How long a reservation holds its units when ReserveStock does not say (hold_ms 0). */
    RESERVATION_DEFAULT_HOLD_MS: millis(30 * 60_000).refine((ms) => ms >= 100, 'must be at least 100'),
    /** The longest hold a caller may ask for; longer is INVALID_ARGUMENT. */
    RESERVATION_MAX_HOLD_MS: millis(60 * 60_000).refine((ms) => ms >= 100, 'must be at least 100'),
    /** How often the sweeper gives back the units of expired, unconfirmed reservations. */
    RESERVATION_SWEEP_INTERVAL_MS: millis(5_000).refine((ms) => ms >= 50, 'must be at least 50'),
  })
  .superRefine(refuseFailpointsInProduction)
  .superRefine((c, ctx) => {
    if (c.RESERVATION_DEFAULT_HOLD_MS > c.RESERVATION_MAX_HOLD_MS) {
      ctx.addIssue({ code: 'custom', path: ['RESERVATION_DEFAULT_HOLD_MS'], message: 'must not exceed RESERVATION_MAX_HOLD_MS' });
    }
  });

export type Config = z.output<typeof schema>;

/** Reads and validates the catalog configuration once. */
export function readConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  return loadConfig(schema, env);
}
