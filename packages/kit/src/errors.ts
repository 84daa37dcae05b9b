/** One bad field of a request, as listed in a validation problem. */
export interface FieldError {
  field: string;
  message: string;
}

export interface AppErrorOptions {
  cause?: unknown;
  /** Extra members copied into the problem document (must be safe to show to clients). */
  extensions?: Record<string, unknown>;
  /** Response headers that belong to this error (Retry-After, WWW-Authenticate, ...). */
  headers?: Record<string, string>;
}

/**
 * The one error family of Switchyard. Domain code throws these; the edges (HTTP problem+json,
 * gRPC status, AMQP ack/retry/dead-letter) translate them, each through one mapping.
 */
export class AppError extends Error {
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

/** 400 with the list of every bad field. */
export class ValidationError extends AppError {
  constructor(readonly errors: FieldError[], message = 'The request has invalid fields.') {
    super(400, 'validation_failed', message, { extensions: { errors } });
  }
}

/** 400 for a request that is wrong as a whole (malformed JSON, missing header). */
export class BadRequestError extends AppError {
  constructor(code: string, message: string, options?: AppErrorOptions) {
    super(400, code, message, options);
  }
}

/** 401: missing, malformed or rejected credentials. */
export class UnauthorizedError extends AppError {
  constructor(code: string, message: string, options?: AppErrorOptions) {
    super(401, code, message, { ...options, headers: { 'www-authenticate': 'Bearer', ...options?.headers } });
  }
}

/** 404: the thing does not exist, or the caller may not know that it does. */
export class NotFoundError extends AppError {
  constructor(code: string, message: string, options?: AppErrorOptions) {
    super(404, code, message, options);
  }
}

/** 409: the request conflicts with the current state. */
export class ConflictError extends AppError {
  constructor(code: string, message: string, options?: AppErrorOptions) {
    super(409, code, message, options);
  }
}

/** 413: the request body is larger than the service accepts. */
export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `The request body exceeds the limit of ${limitBytes} bytes.`, {
      extensions: { limitBytes },
    });
  }
}

/** 415: the request body is not in a format the endpoint accepts. */
export class UnsupportedMediaTypeError extends AppError {
  constructor(received: string) {
    super(415, 'unsupported_media_type', `Expected an application/json body, got ${received || 'no content type'}.`);
  }
}

/** 503: a dependency is unavailable; the request may be retried later. */
export class UnavailableError extends AppError {
  constructor(code: string, message: string, options?: AppErrorOptions) {
    super(503, code, message, options);
  }
}

/** 504: a dependency did not answer within its deadline. */
export class DeadlineError extends AppError {
  constructor(code: string, message: string, options?: AppErrorOptions) {
    super(504, code, message, options);
  }
}
