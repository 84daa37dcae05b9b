import { z } from 'zod';
import { amqpConfig, baseConfigSchema, consumerConfig, grpcServerConfig, loadConfig, port } from '@switchyard/kit/config';
import { failpointConfig, refuseFailpointsInProduction } from '@switchyard/kit/failpoints';

const schema = baseConfigSchema
  .extend({
    HTTP_PORT: port(8084),
    ...grpcServerConfig(9084),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
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
