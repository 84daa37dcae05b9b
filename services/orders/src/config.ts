import { z } from 'zod';
import { amqpConfig, authUrlConfig, baseConfigSchema, databaseConfig, grpcClientConfig, grpcTarget, listenerConfig, loadConfig, millis, outboxConfig, serviceClientConfig, tokenConfig } from '@switchyard/kit/config';
import { failpointConfig, refuseFailpointsInProduction } from '@switchyard/kit/failpoints';

const schema = baseConfigSchema
  .extend({
    ...listenerConfig(8083),
    ...databaseConfig(),
    ...authUrlConfig(),
    ...tokenConfig(),
    ...serviceClientConfig('orders'),
    ...amqpConfig(),
    ...outboxConfig(),
    ...grpcClientConfig(),
    ...failpointConfig(),
    USERS_GRPC_TARGET: grpcTarget('ipv4:127.0.0.1:9081'),
    CATALOG_GRPC_TARGET: grpcTarget('ipv4:127.0.0.1:9082'),
    PAYMENTS_GRPC_TARGET: grpcTarget('ipv4:127.0.0.1:9084'),
    /** Deadline of a Charge call, retries of UNAVAILABLE included; keep it below the gateway's timeout. */
    PAYMENT_DEADLINE_MS: millis(3_000).refine((ms) => ms >= 100, 'must be at least 100'),
    /** Unpaid orders older than this expire; a pay is refused after it. */
    ORDER_TTL_MS: millis(15 * 60_000).refine((ms) => ms >= 100, 'must be at least 100'),
    /**
     * How much longer than ORDER_TTL_MS catalog holds an order's stock. A payment is completed only
     * while at least half of it is left, which leaves that half for order.paid to reach catalog (its
     * confirm) through an outage of the broker or of catalog.
     */
    RESERVATION_MARGIN_MS: millis(10 * 60_000),
    /** How often one replica looks for orders to expire. */
    EXPIRY_SWEEP_INTERVAL_MS: millis(5_000).refine((ms) => ms >= 50, 'must be at least 50'),
    /** An Idempotency-Key stays with the request working on it this long (a crashed request's key may be taken over after it). */
    IDEMPOTENCY_TAKEOVER_MS: millis(30_000),
  })
  .superRefine(refuseFailpointsInProduction)
  .superRefine((c, ctx) => {
    // A payment completed just before ORDER_TTL_MS + PAYMENT_DEADLINE_MS must still find its stock held.
    if (c.RESERVATION_MARGIN_MS < 2 * c.PAYMENT_DEADLINE_MS) {
      ctx.addIssue({ code: 'custom', path: ['RESERVATION_MARGIN_MS'], message: 'must be at least twice PAYMENT_DEADLINE_MS' });
    }
  });

export type Config = z.output<typeof schema>;

/** Reads and validates the orders configuration once. */
export function readConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  return loadConfig(schema, env);
}
