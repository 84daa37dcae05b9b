import { UnavailableError, type AppError } from './errors.js';

/**
 * SQLSTATEs of a connection that went away rather than a statement that was wrong: class 08
 * (connection exception), 57P01 admin_shutdown, 57P02 crash_shutdown (another backend was killed and
 * Postgres restarts them all), 57P03 cannot_connect_now (recovering), 53300 too_many_connections.
 */
const LOST_SQLSTATE = /^(08...|57P0[123]|53300)$/;
/** Socket errors on the way to the database. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** What node-postgres says (without a code) when a connection ends under a query or cannot be made in time. */
const PG_MESSAGES = [/^Connection terminated/, /^timeout exceeded when trying to connect/, /^Client has encountered a connection error and is not queryable/];

/** True when err says the database connection was lost or could not be made: worth retrying, not a bug. */
export function isConnectionLoss(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (LOST_SQLSTATE.test(code) || NETWORK_CODES.has(code))) return true;
  return typeof message === 'string' && PG_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * The AppError a lost database connection becomes at every edge: 503 with Retry-After (HTTP), so
 * callers retry idempotent requests, and UNAVAILABLE (gRPC), which clients retry by policy. Undefined
 * for anything else.
 */
export function connectionLossError(err: unknown): AppError | undefined {
  if (!isConnectionLoss(err)) return undefined;
  return new UnavailableError('database_unavailable', 'The database connection was lost; retry shortly.', { cause: err, headers: { 'retry-after': '1' } });
}
