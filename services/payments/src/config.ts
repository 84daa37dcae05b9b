import { z } from 'zod';
import { baseConfigSchema, databaseConfig, grpcServerConfig, loadConfig, port } from '@switchyard/kit/config';

const schema = baseConfigSchema.extend({
  // gRPC only: no public HTTP API, only the admin port (health, readiness, metrics).
  ADMIN_PORT: port(10084),
  ...grpcServerConfig(9084),
  ...databaseConfig(),
});

export type Config = z.output<typeof schema>;

/** Reads and validates the payments configuration once. */
export function readConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  return loadConfig(schema, env);
}
