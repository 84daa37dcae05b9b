import { z } from 'zod';
import { loadConfig, port } from '@switchyard/kit/config';

const schema = z.object({
  SWITCHYARD_DATA_DIR: z.string().min(1).default('.data'),
  SWITCHYARD_HTTP_PORT: port(8080),
  SWITCHYARD_POSTGRES_PORT: port(5433),
  SWITCHYARD_AMQP_PORT: port(5673),
  SWITCHYARD_EPMD_PORT: port(4370),
  /** RabbitMQ's Erlang distribution port; unset: AMQP + 20000, RabbitMQ's own default. */
  SWITCHYARD_RABBITMQ_DIST_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** e.g. `users=2`; `--replicas` on the command line adds to it. */
  SWITCHYARD_REPLICAS: z.string().default(''),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  AMQP_URL: z.url({ protocol: /^amqps?$/ }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  /** Set to 0 to never install rabbitmq-server with apt. */
  SWITCHYARD_INSTALL_RABBITMQ: z.enum(['0', '1']).default('1'),
  /** The trace receiver (OTLP/HTTP) the services export to, and `npm run trace` reads; 0 turns tracing off. */
  SWITCHYARD_TRACING: z.enum(['0', '1']).default('1'),
  SWITCHYARD_OTLP_PORT: port(4318),
  /** Debian's Prometheus, scraping every replica; 0 leaves it out. */
  SWITCHYARD_PROMETHEUS: z.enum(['0', '1']).default('1'),
  SWITCHYARD_PROMETHEUS_PORT: port(9090),
  /**
   * 1: the gateway's per-address and per-user rate limits are raised out of reach, for load tests from
   * this machine (every local client is one address, 127.0.0.1). The limiters still run.
   */
  SWITCHYARD_LOAD_TEST: z.enum(['0', '1']).default('0'),
  /**
   * Each service's V8 young generation: the most a semi-space may grow to, in MB. A service grows it to
   * the cap while it loads its modules and keeps it, so V8's default (16) holds 32 MB of every idle
   * service; 0 leaves V8's default (bench: young-generation measures the CPU it costs).
   */
  SWITCHYARD_SEMI_SPACE_MB: z.coerce.number().int().min(0).max(64).default(2),
});

/** The gateway's limits with SWITCHYARD_LOAD_TEST=1 (and in the bench): checked on every request, never reached. */
export const LOAD_TEST_GATEWAY_ENV: Readonly<Record<string, string>> = {
  RATE_LIMIT_IP: '999999999/60s',
  RATE_LIMIT_USER: '999999999/60s',
  RATE_LIMIT_SESSIONS: '999999999/60s',
  RATE_LIMIT_REGISTRATIONS: '999999999/60s',
};

export type RunnerConfig = z.output<typeof schema>;

/** Parses `name=count` pairs separated by commas. */
export function parseReplicas(spec: string): Record<string, number> {
  const replicas: Record<string, number> = {};
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([a-z-]+)=([1-9])$/.exec(part);
    if (!match) throw new Error(`bad replica spec "${part}": expected name=count with count 1-9`);
    replicas[match[1]!] = Number(match[2]);
  }
  return replicas;
}

/** Reads the runner's settings from the environment, once. */
export function readRunnerConfig(env: Record<string, string | undefined> = process.env): Readonly<RunnerConfig> {
  return loadConfig(schema, env);
}
