import type { Problem } from '@switchyard/contracts/public-api';

/** Shown when no answer came at all: the gateway is down, or the network is. */
const UNREACHABLE = 'The shop cannot be reached right now. Check your connection, then try again.';

/** A failed API call, with the words to show the person using the shop. */
export class ApiError extends Error {
  constructor(
    /** The HTTP status, or 0 when no answer came. */
    readonly status: number,
    /** The problem document the API answered with, when it did. */
    readonly problem: Problem | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get code(): string | undefined {
    return this.problem?.code;
  }
}

/** Any failure as an ApiError (a bug in the page shows as its message rather than nothing). */
export function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, undefined, String(err));
}

/** The codes with which the gateway refuses a request whose session is missing, expired or not valid. */
const SESSION_LOST = new Set(['missing_token', 'invalid_token', 'token_expired', 'missing_session']);

let csrfToken: string | undefined;
let onSessionLost: () => void = () => undefined;

/** The CSRF token of the current cookie session (kept in memory only), sent on every write. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when an authenticated call finds the session gone (expired, or logged out elsewhere). */
export function whenSessionLost(handler: () => void): void {
  onSessionLost = handler;
}

/** Tells the page that the session is gone (a 401 on a call or on the notification stream). */
export function reportSessionLost(): void {
  onSessionLost();
}

function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && typeof (body as Problem).detail === 'string' && typeof (body as Problem).code === 'string';
}

function messageFor(status: number, problem: Problem | undefined): string {
  if (!problem) return `The shop answered with an unexpected error (${status}). Try again in a moment.`;
  return status >= 500 ? `${problem.detail} Try again in a moment.` : problem.detail;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** `no-cache` revalidates a cached answer with its ETag (If-None-Match → 304); the default skips the cache. */
  cache?: RequestCache;
}

/** Calls the public API on this origin; the session travels in its HttpOnly cookie. */
export async function call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: options.cache ?? 'no-store',
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, undefined, UNREACHABLE);
  }
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (res.ok) return body as T;
  const problem = isProblem(body) ? body : undefined;
  if (res.status === 401 && problem && SESSION_LOST.has(problem.code)) reportSessionLost();
  throw new ApiError(res.status, problem, messageFor(res.status, problem));
}

/** A new Idempotency-Key (random; crypto.getRandomValues also works outside secure contexts). */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
