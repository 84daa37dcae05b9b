import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { connectionLossError } from './connection-loss.js';
import { AppError } from './errors.js';

/**
 * The one mapping between AppError HTTP statuses and gRPC status codes. Servers translate thrown
 * AppErrors with it; clients turn a failed call back into the same AppError (code and extensions
 * travel in metadata), so a NOT_FOUND in catalog becomes a 404 problem at the HTTP edge of the caller
 * with no translation at the call site.
 */
const HTTP_TO_GRPC: Readonly<Record<number, status>> = {
  400: status.INVALID_ARGUMENT,
  401: status.UNAUTHENTICATED,
  402: status.FAILED_PRECONDITION,
  403: status.PERMISSION_DENIED,
  404: status.NOT_FOUND,
  409: status.FAILED_PRECONDITION,
  413: status.INVALID_ARGUMENT,
  422: status.INVALID_ARGUMENT,
  429: status.RESOURCE_EXHAUSTED,
  501: status.UNIMPLEMENTED,
  503: status.UNAVAILABLE,
  504: status.DEADLINE_EXCEEDED,
};

const GRPC_TO_HTTP: Readonly<Partial<Record<status, number>>> = {
  [status.INVALID_ARGUMENT]: 400,
  [status.OUT_OF_RANGE]: 400,
  [status.UNAUTHENTICATED]: 401,
  [status.PERMISSION_DENIED]: 403,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.FAILED_PRECONDITION]: 409,
  [status.ABORTED]: 409,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.UNIMPLEMENTED]: 501,
  [status.UNAVAILABLE]: 503,
  [status.CANCELLED]: 503,
  [status.DEADLINE_EXCEEDED]: 504,
};

const CODE_KEY = 'switchyard-error-code';
// -bin keys carry bytes, so extensions may hold any UTF-8 text.
const EXTENSIONS_KEY = 'switchyard-error-extensions-bin';

/** The gRPC status for an HTTP status: the table, else by class. */
export function grpcStatusFor(httpStatus: number): status {
  return HTTP_TO_GRPC[httpStatus] ?? (httpStatus < 500 ? status.FAILED_PRECONDITION : status.INTERNAL);
}

/** The HTTP status for a gRPC status a dependency answered with. */
export function httpStatusFor(code: status): number {
  // INTERNAL, UNKNOWN, DATA_LOSS: the dependency failed; the caller reports a bad gateway.
  return GRPC_TO_HTTP[code] ?? 502;
}

/** Translates anything a handler threw into the error grpc-js sends; 5xx never carry internals. */
export function toServiceError(thrown: unknown): Partial<ServiceError> {
  // A lost database connection is UNAVAILABLE, which clients retry by policy; not INTERNAL.
  const err = connectionLossError(thrown) ?? thrown;
  const metadata = new Metadata();
  if (err instanceof AppError) {
    metadata.set(CODE_KEY, err.code);
    if (Object.keys(err.extensions).length > 0) metadata.set(EXTENSIONS_KEY, Buffer.from(JSON.stringify(err.extensions)));
    return { code: grpcStatusFor(err.status), details: err.message, metadata };
  }
  metadata.set(CODE_KEY, 'internal');
  return { code: status.INTERNAL, details: 'An unexpected error occurred.', metadata };
}

/**
 * Turns a failed call into an AppError for the caller's own edge. Errors the dependency sent keep
 * their code, message and extensions; transport failures (no code in metadata) name the dependency.
 */
export function fromServiceError(err: ServiceError, dependency: string): AppError {
  const httpStatus = httpStatusFor(err.code);
  const code = err.metadata?.get(CODE_KEY)[0];
  const extensionsBytes = err.metadata?.get(EXTENSIONS_KEY)[0];
  if (typeof code === 'string' && httpStatus < 500) {
    const extensions = Buffer.isBuffer(extensionsBytes) ? (JSON.parse(extensionsBytes.toString('utf8')) as Record<string, unknown>) : {};
    return new AppError(httpStatus, code, err.details, { cause: err, extensions });
  }
  if (err.code === status.DEADLINE_EXCEEDED) {
    return new AppError(504, 'upstream_timeout', `The ${dependency} service did not answer in time.`, { cause: err });
  }
  if (httpStatus === 503) {
    const upstreamCode = typeof code === 'string' ? code : 'upstream_unavailable';
    return new AppError(503, upstreamCode, `The ${dependency} service is unavailable.`, { cause: err, headers: { 'retry-after': '1' } });
  }
  return new AppError(502, 'upstream_failed', `The ${dependency} service failed.`, { cause: err });
}
