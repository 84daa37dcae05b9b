import { z } from 'zod';
import { amqpConfig, authUrlConfig, baseConfigSchema, consumerConfig, databaseConfig, grpcServerConfig, loadConfig, port, tokenConfig } from '@switchyard/kit/config';
import { failpointConfig, refuseFailpointsInProduction } from '@switchyard/kit/failpoints';

const schema = baseConfigSchema
  .extend({
    // gRPC only: no public HTTP API, only the admin port (health, readiness, metrics, failpoints in tests).
    ADMIN_PORT: port(10584),
    ...grpcServerConfig(9084),
    ...databaseConfig(),
    ...authUrlConfig(),
    ...tokenConfig(),
    // payments consumes order.cancelled and order.expired (refund or void the order's payment)
    ...amqpConfig(),
    ...consumerConfig('payments'),
    ...failpointConfig(),
  })
  .superRefine(refuseFailpointsInProduction);

export type Config = z.output<typeof schema>;

/** Reads and validates the payments configuration once. */
export function readConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  return loadConfig(schema, env);
}
