import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { baseConfigSchema, listenerConfig, loadConfig, millis, tokenConfig, urlList } from '@switchyard/kit/config';
import { systemTargets } from './system/system-targets.js';

const count = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const ratio = (fallback: number) => z.coerce.number().min(0).max(1).default(fallback);

/** A rate limit written `<requests>/<seconds>s`, e.g. `600/60s`: that many requests per fixed window. */
const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const match = /^(\d{1,9})\/(\d{1,6})s$/.exec(text.trim());
      if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
        ctx.addIssue({ code: 'custom', message: 'must be <requests>/<seconds>s with both at least 1, e.g. 600/60s' });
        return z.NEVER;
      }
      return { points: Number(match[1]), seconds: Number(match[2]) };
    });

const schema = baseConfigSchema.extend({
  ...listenerConfig(8080),
  /** Base URLs of the users service; several are balanced across, each with its own keep-alive pool. */
  USERS_URL: urlList().default(['http://127.0.0.1:8081']),
  CATALOG_URL: urlList().default(['http://127.0.0.1:8082']),
  NOTIFICATIONS_URL: urlList().default(['http://127.0.0.1:8085']),
  ORDERS_URL: urlList().default(['http://127.0.0.1:8083']),
  ...tokenConfig(),
  /** Deadline for one upstream call, retries included. */
  UPSTREAM_TIMEOUT_MS: millis(5000).refine((ms) => ms >= 50, 'must be at least 50'),
  UPSTREAM_CONNECT_TIMEOUT_MS: millis(1000).refine((ms) => ms >= 10, 'must be at least 10'),
  /** Extra attempts for requests that are safe to repeat. */
  UPSTREAM_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  /** The built storefront (Vite's dist folder) served at /; by default web/dist of this checkout or image. */
  WEB_ROOT: z.string().min(1).default(fileURLToPath(new URL('../../../web/dist', import.meta.url))),
  /** Retries may add at most this share of an upstream's requests (plus a small burst). */
  UPSTREAM_RETRY_BUDGET_RATIO: ratio(0.1),
  /** A replica failing this many calls in a row (connect errors, resets, 5xx) is ejected. */
  UPSTREAM_EJECTION_CONSECUTIVE_FAILURES: count(5, 1000),
  /** The first ejection lasts this long; each ejection in a row doubles it, up to the maximum. */
  UPSTREAM_EJECTION_BASE_MS: millis(5_000).refine((ms) => ms >= 10, 'must be at least 10'),
  UPSTREAM_EJECTION_MAX_MS: millis(60_000).refine((ms) => ms >= 10, 'must be at least 10'),
  /** At most this share of an upstream's replicas is ejected at once (at least one of two or more). */
  UPSTREAM_EJECTION_MAX_PERCENT: z.coerce.number().int().min(0).max(100).default(50),
  /** The breaker opens after this many failed calls in a row… */
  UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: count(10, 10_000),
  /** …or when this share of the last UPSTREAM_BREAKER_WINDOW calls failed (once UPSTREAM_BREAKER_MIN_CALLS were made). */
  UPSTREAM_BREAKER_FAILURE_RATIO: ratio(0.5).refine((r) => r > 0 && r < 1, 'must be more than 0 and less than 1'),
  UPSTREAM_BREAKER_WINDOW: count(100, 10_000),
  UPSTREAM_BREAKER_MIN_CALLS: count(20, 10_000),
  /** How long an open breaker answers 503 before it lets one probe call through. */
  UPSTREAM_BREAKER_OPEN_MS: millis(5_000).refine((ms) => ms >= 10, 'must be at least 10'),
  /** Live SSE streams one user may hold open through this gateway replica (429 beyond). */
  SSE_MAX_STREAMS_PER_USER: count(5, 10_000),
  /** Live SSE streams through this gateway replica (503 beyond); also the size of each stream pool. */
  SSE_MAX_STREAMS: count(2_000, 1_000_000),
  /** Proxy hops in front of the gateway whose X-Forwarded-For entries are believed (0: the socket's peer is the client). */
  TRUSTED_PROXIES: z.coerce.number().int().min(0).max(10).default(0),
  /** Per client address, over all of /api. Limits are kept per gateway replica: N replicas admit N × this. */
  RATE_LIMIT_IP: rateLimit('6000/60s'),
  /** Per authenticated user, over all of /api. */
  RATE_LIMIT_USER: rateLimit('1200/60s'),
  /** Per client address, POST /api/sessions (logins; each costs the users service a password hash). */
  RATE_LIMIT_SESSIONS: rateLimit('30/60s'),
  /** Per client address, POST /api/users (registrations). */
  RATE_LIMIT_REGISTRATIONS: rateLimit('30/600s'),
  /** The share of requests with an access-log line (1: every one); 5xx answers and slow requests are always logged. */
  ACCESS_LOG_SAMPLE: ratio(1),
  /** A request that took this long is logged whatever ACCESS_LOG_SAMPLE says. */
  ACCESS_LOG_SLOW_MS: millis(1000),
  /** Bytes of public GET answers (products) the gateway keeps for as long as their Cache-Control allows; 0 turns the cache off. */
  RESPONSE_CACHE_MAX_BYTES: z.coerce.number().int().min(0).max(1024 ** 3).default(16 * 1024 ** 2),
  /** The gateway answers 503 `overloaded` while its event loop lags more than this (mean over a sample); 0 turns shedding off. */
  LOAD_SHED_EVENT_LOOP_DELAY_MS: millis(1000),
  /** How often the event-loop delay is sampled (and shedding decided). */
  LOAD_SHED_SAMPLE_MS: millis(500).refine((ms) => ms >= 20, 'must be at least 20'),
  /** Samples in a row past the threshold before shedding starts (and under it before it stops). */
  LOAD_SHED_CONSECUTIVE_SAMPLES: count(3, 100),
  /** The system view (GET /api/system/stream, the storefront's /system page): off unless true. */
  SYSTEM_VIEW_ENABLED: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** The admin endpoints it polls, service by service (see system/system-targets.ts); needed when it is enabled. */
  SYSTEM_TARGETS: systemTargets().optional(),
  /** How often it polls every replica's /readyz and /metrics while a view is open. */
  SYSTEM_POLL_MS: millis(2_000).refine((ms) => ms >= 200, 'must be at least 200'),
  /** The deadline of one replica's probe. */
  SYSTEM_PROBE_TIMEOUT_MS: millis(1_500).refine((ms) => ms >= 50, 'must be at least 50'),
  /** RabbitMQ, for the view's tap on the events exchange; without it the view shows no events. */
  AMQP_URL: z.url({ protocol: /^amqps?$/ }).optional(),
  EVENTS_EXCHANGE: z.string().min(1).default('switchyard.events'),
}).superRefine((config, ctx) => {
  if (config.SYSTEM_VIEW_ENABLED && !config.SYSTEM_TARGETS) {
    ctx.addIssue({ code: 'custom', path: ['SYSTEM_TARGETS'], message: 'must be set when SYSTEM_VIEW_ENABLED is true' });
  }
  if (config.SYSTEM_VIEW_ENABLED && config.SYSTEM_PROBE_TIMEOUT_MS >= config.SYSTEM_POLL_MS) {
    ctx.addIssue({ code: 'custom', path: ['SYSTEM_PROBE_TIMEOUT_MS'], message: `must be less than SYSTEM_POLL_MS (${config.SYSTEM_POLL_MS})` });
  }
  if (config.UPSTREAM_EJECTION_MAX_MS < config.UPSTREAM_EJECTION_BASE_MS) {
    ctx.addIssue({ code: 'custom', path: ['UPSTREAM_EJECTION_MAX_MS'], message: `must be at least UPSTREAM_EJECTION_BASE_MS (${config.UPSTREAM_EJECTION_BASE_MS})` });
  }
  if (config.UPSTREAM_BREAKER_MIN_CALLS > config.UPSTREAM_BREAKER_WINDOW) {
    ctx.addIssue({ code: 'custom', path: ['UPSTREAM_BREAKER_MIN_CALLS'], message: `must be at most UPSTREAM_BREAKER_WINDOW (${config.UPSTREAM_BREAKER_WINDOW})` });
  }
  if (config.SSE_MAX_STREAMS_PER_USER > config.SSE_MAX_STREAMS) {
    ctx.addIssue({ code: 'custom', path: ['SSE_MAX_STREAMS_PER_USER'], message: `must be at most SSE_MAX_STREAMS (${config.SSE_MAX_STREAMS})` });
  }
});

export type Config = z.output<typeof schema>;
/** A parsed RATE_LIMIT_* value. */
export type RateLimitSetting = Config['RATE_LIMIT_IP'];

/** Reads and validates the gateway configuration once. */
export function readConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  return loadConfig(schema, env);
}
