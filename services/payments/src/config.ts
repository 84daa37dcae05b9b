import { z } from 'zod';
import { baseConfigSchema, grpcServerConfig, loadConfig, port } from '@switchyard/kit/config';

const schema = baseConfigSchema.extend({
  HTTP_PORT: port(8084),
  ...grpcServerConfig(9084),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
});

export type Config = z.output<typeof schema>;

/** Reads and validates the payments configuration once. */
export function readConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  return loadConfig(schema, env);
}
