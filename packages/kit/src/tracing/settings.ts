import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { loadConfig } from '../config.js';

const flag = z.enum(['true', 'false', 'TRUE', 'FALSE', '1', '0']).transform((v) => v === 'true' || v === 'TRUE' || v === '1');

/**
 * The standard OTEL_* variables the bootstrap itself decides on; the SDK reads the rest (sampler,
 * protocol, batch sizes, resource attributes) under the names the specification gives them.
 */
const schema = z.object({
  OTEL_SDK_DISABLED: flag.default(false),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_TRACES_SAMPLER: z
    .enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'])
    .optional(),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
  /** The process among replicas (the pod name on Kubernetes): service.instance.id. */
  INSTANCE_ID: z.string().min(1).optional(),
});

export interface TracingSettings {
  /** Off unless an OTLP endpoint is configured and OTEL_SDK_DISABLED is not set. */
  enabled: boolean;
  serviceName: string;
  serviceVersion: string | undefined;
  instanceId: string | undefined;
  /** Where spans go, for the log line that says tracing is on. */
  endpoint: string | undefined;
}

/** The package.json nearest to the entry script: the service's name (without the scope) and version. */
function entryPackage(entry: string | undefined): { name: string; version: string | undefined } {
  for (let dir = entry ? dirname(entry) : process.cwd(); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      return { name: (pkg.name ?? 'unknown').replace(/^@[^/]+\//, ''), version: pkg.version };
    } catch {
      if (dirname(dir) === dir) return { name: 'unknown', version: undefined };
    }
  }
}

/** Reads the tracing settings once; throws a ConfigError naming every bad variable. */
export function readTracingSettings(env: Record<string, string | undefined>, entry: string | undefined): TracingSettings {
  const config = loadConfig(schema, env);
  const endpoint = config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? config.OTEL_EXPORTER_OTLP_ENDPOINT;
  const pkg = entryPackage(entry);
  return {
    enabled: !config.OTEL_SDK_DISABLED && endpoint !== undefined,
    serviceName: config.OTEL_SERVICE_NAME ?? pkg.name,
    serviceVersion: pkg.version,
    instanceId: config.INSTANCE_ID,
    endpoint,
  };
}
