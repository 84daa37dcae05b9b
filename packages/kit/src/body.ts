import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from './errors.js';

declare module 'koa' {
  interface Request {
    /** The parsed JSON body (unknown until validated with a schema). */
    body?: unknown;
    /** The raw body bytes, when the body parser ran in raw mode. */
    rawBody?: Buffer;
  }
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * Reads a request body, failing with 413 as soon as it grows past the limit. The unread rest is
 * drained and discarded (bounded by the server's requestTimeout), so the client still receives the
 * 413 on a connection that stays usable.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  // Refused on the declared length alone; node discards the unread body after the response.
  if (declared > limitBytes) return Promise.reject(new PayloadTooLargeError(limitBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) {
        chunks.push(chunk);
        return;
      }
      cleanUp();
      req.resume();
      reject(new PayloadTooLargeError(limitBytes));
    };
    const onEnd = () => {
      cleanUp();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanUp();
      reject(err);
    };
    const cleanUp = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

export interface JsonBodyOptions {
  limitBytes: number;
  /** Keep the bytes as they came (a proxy forwards them) instead of parsing. */
  raw?: boolean;
}

/** Requires JSON bodies on write methods: 415 for other media types, 413 past the limit, 400 if malformed. */
export function jsonBody(options: JsonBodyOptions): Middleware {
  return async (ctx, next) => {
    if (!METHODS_WITH_BODY.has(ctx.method) || !hasBody(ctx.req)) return next();
    const contentType = ctx.get('content-type');
    if (!isJson(contentType)) throw new UnsupportedMediaTypeError(contentType);
    const bytes = await readBody(ctx.req, options.limitBytes);
    if (options.raw) {
      ctx.request.rawBody = bytes;
      return next();
    }
    let body: unknown;
    try {
      body = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw new BadRequestError('malformed_json', 'The request body is not valid JSON.', { cause: err });
    }
    const nul = pathWithNul(body);
    if (nul !== undefined) throw new ValidationError([{ field: nul || '(body)', message: 'must not contain NUL characters' }]);
    ctx.request.body = body;
    return next();
  };
}

/**
 * The path of the first string (or key) holding a NUL character, if any. Postgres cannot store NUL in
 * text, so such input would pass validation and fail at the database as a 500: refused here, for every
 * service, as the 400 it is.
 */
function pathWithNul(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return at;
    const found = pathWithNul(inner, at);
    if (found !== undefined) return found;
  }
  return undefined;
}
