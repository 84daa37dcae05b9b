import { STATUS_CODES } from 'node:http';
import { connectionLossError } from './connection-loss.js';
import { AppError } from './errors.js';

/** An RFC 9457 problem document as Switchyard sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The problem type URI for a stable error code. */
export function problemType(code: string): string {
  return `urn:switchyard:problem:${code}`;
}

/** Errors from koa, http-errors and the router carry a status and say whether they may be shown. */
interface HttpLikeError {
  status: number;
  expose?: boolean;
  message: string;
  headers?: Record<string, string>;
}

function isHttpLikeError(err: unknown): err is HttpLikeError {
  return typeof err === 'object' && err !== null && typeof (err as HttpLikeError).status === 'number';
}

function codeForStatus(status: number): string {
  return (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

/**
 * The single translation from anything thrown to a problem document and its headers.
 * A 5xx never carries the original message, stack or cause: those go to the log only.
 */
export function toProblem(thrown: unknown): { problem: Problem; headers: Record<string, string> } {
  // A lost database connection is an outage the caller may retry (503), not an internal error.
  const err = connectionLossError(thrown) ?? thrown;
  let status = 500;
  let code = 'internal';
  let detail = 'An unexpected error occurred.';
  let extensions: Record<string, unknown> = {};
  let headers: Record<string, string> = {};

  if (err instanceof AppError) {
    status = err.status;
    code = err.code;
    detail = err.message;
    extensions = err.extensions;
    headers = err.headers;
  } else if (isHttpLikeError(err) && err.status >= 400 && err.status < 600) {
    status = err.status;
    code = codeForStatus(status);
    if (err.expose && status < 500) detail = err.message;
    headers = err.headers ?? {};
  }

  if (status >= 500 && !(err instanceof AppError)) {
    code = status === 500 ? 'internal' : codeForStatus(status);
    detail = 'An unexpected error occurred.';
  }

  // Extensions never override the standard members.
  const problem: Problem = {
    type: problemType(code),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    code,
  };
  for (const [name, value] of Object.entries(extensions)) {
    if (!(name in problem)) problem[name] = value;
  }
  return { problem, headers };
}
