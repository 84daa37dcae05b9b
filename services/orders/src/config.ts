import { z } from 'zod';
import { amqpConfig, baseConfigSchema, databaseConfig, grpcClientConfig, grpcTarget, listenerConfig, loadConfig, millis, outboxConfig } from '@switchyard/kit/config';

const schema = baseConfigSchema.extend({
  ...listenerConfig(8083),
  ...databaseConfig(),
  ...amqpConfig(),
  ...outboxConfig(),
  ...grpcClientConfig(),
  USERS_GRPC_TARGET: grpcTarget('ipv4:127.0.0.1:9081'),
  CATALOG_GRPC_TARGET: grpcTarget('ipv4:127.0.0.1:9082'),
  PAYMENTS_GRPC_TARGET: grpcTarget('ipv4:127.0.0.1:9084'),
  /** Deadline of a Charge call, retries of UNAVAILABLE included; keep it below the gateway's timeout. */
  PAYMENT_DEADLINE_MS: millis(3_000).refine((ms) => ms >= 100, 'must be at least 100'),
  /** Unpaid orders older than this expire. */
  ORDER_TTL_MS: millis(15 * 60_000).refine((ms) => ms >= 100, 'must be at least 100'),
  /** How often one replica looks for orders to expire. */
  EXPIRY_SWEEP_INTERVAL_MS: millis(5_000).refine((ms) => ms >= 50, 'must be at least 50'),
  /** An Idempotency-Key left IN_PROGRESS longer than this (a crashed request) may be taken over. */
  IDEMPOTENCY_TAKEOVER_MS: millis(30_000),
});

export type Config = z.output<typeof schema>;

/** Reads and validates the orders configuration once. */
export function readConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  return loadConfig(schema, env);
}
