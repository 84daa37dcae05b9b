import { randomUUID } from 'node:crypto';
import { context } from '@opentelemetry/api';
import type { Middleware } from 'koa';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { REQUEST_ID_HEADER } from './identity.js';
import { activeTrace } from './tracing/context.js';

/** What every request's ctx.state carries (Koa's DefaultState is augmented with it). */
export interface RequestContextState {
  requestId: string;
  traceId: string;
  traceparent: string;
  log: Logger;
}

declare module 'koa' {
  interface DefaultState {
    requestId: string;
    traceId: string;
    /** W3C traceparent to send on outbound calls (same trace, this hop's span). */
    traceparent: string;
    log: Logger;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Random hex digits for trace and span ids (at most 32). randomUUID() draws from an entropy cache that
 * Node refills in bulk; randomBytes() makes a system call for every id, two per request.
 */
function randomHex(digits: number): string {
  const uuid = randomUUID();
  // 32 hex digits without the dashes; the version nibble (position 12) is fixed, so it goes last.
  const hex = uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(15, 18) + uuid.slice(19, 23) + uuid.slice(24) + uuid[14];
  return hex.slice(0, digits);
}

/** Which finished requests get an access-log line. */
export interface AccessLogPolicy {
  /** The share of requests logged (1: all, 0: none), chosen by trace id so a trace is logged whole or not at all. */
  sample: number;
  /** Requests that took this long are always logged, as are 5xx answers. */
  slowMs: number;
}

const LOG_EVERY_REQUEST: AccessLogPolicy = { sample: 1, slowMs: 0 };

/** Whether a trace falls into the sampled share: its first 32 bits, read as a fraction, below it. */
function sampled(traceId: string, sample: number): boolean {
  return sample >= 1 || Number.parseInt(traceId.slice(0, 8), 16) / 2 ** 32 < sample;
}

/**
 * Request id (accepted when well-formed, else created, always echoed), trace id from `traceparent`,
 * a child logger per request (made when first used: its bindings are serialised once, and not at all
 * for a request nothing logs about), one histogram sample per finished response, and one access-log
 * line for those the policy picks: every 5xx and every slow one, and the sampled share of the rest.
 */
export function requestContext(log: Logger, metrics: Metrics, accessLog: AccessLogPolicy = LOG_EVERY_REQUEST): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get(REQUEST_ID_HEADER);
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const trace = TRACEPARENT.exec(ctx.get('traceparent'));
    // With tracing on, the trace is the server span's (the one pino's trace_id names), else the caller's or a new one.
    const active = activeTrace();
    const traceId = active?.traceId ?? trace?.[1] ?? randomHex(32);
    ctx.state.requestId = requestId;
    ctx.state.traceId = traceId;
    ctx.state.traceparent = active?.traceparent ?? `00-${traceId}-${randomHex(16)}-${trace?.[3] ?? '01'}`;
    let child: Logger | undefined;
    Object.defineProperty(ctx.state, 'log', { get: () => (child ??= log.child({ reqId: requestId, traceId })), enumerable: true, configurable: true });
    ctx.set(REQUEST_ID_HEADER, requestId);

    const started = process.hrtime.bigint();
    const during = context.active();
    ctx.res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The route template keeps label cardinality bounded; unmatched paths share one label.
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      const status = ctx.res.writableFinished ? ctx.status : 499;
      metrics.httpDuration.observe({ method: ctx.method, route, status: String(status) }, seconds);
      const durationMs = Math.round(seconds * 1e4) / 10;
      if (status < 500 && durationMs < accessLog.slowMs && !sampled(traceId, accessLog.sample)) return;
      const level = QUIET_PATHS.has(ctx.path) ? 'debug' : status >= 500 ? 'error' : 'info';
      // In the request's trace context, so the line carries its trace_id and span_id (pino reads the
      // active span); entered only for a line that is written, not bound to every request's handler.
      context.with(during, () => ctx.state.log[level]({ method: ctx.method, route, path: ctx.path, status, durationMs }, 'request finished'));
    });
    await next();
  };
}
