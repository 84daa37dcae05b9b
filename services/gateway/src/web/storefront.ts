import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { send } from '@koa/send';
import etag from 'etag';
import type { Middleware, ParameterizedContext } from 'koa';
import { AppError, BadRequestError, NotFoundError, UnavailableError } from '@switchyard/kit/errors';
import type { Logger } from '@switchyard/kit/log';
import { STOREFRONT_SECURITY_HEADERS } from './security-headers.js';

/** Vite names every file under /assets after a hash of its content, so a URL never changes meaning. */
const ASSETS = '/assets/';
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html and unhashed files: cached, but checked (ETag) before every use, so a deploy shows at once. */
const REVALIDATE = 'no-cache';
const INDEX = '/index.html';

const isApiPath = (path: string) => path === '/api' || path.startsWith('/api/');
// A browser opening a page names text/html; `*/*` alone (curl, a probe sent to the wrong port) gets a
// 404 for an unknown path instead of a page that would answer 200 to anything.
const asksForPage = (ctx: ParameterizedContext) => ctx.get('accept').includes('text/html') && ctx.accepts('html') === 'html';

const statusOf = (err: unknown) => (err as { status?: unknown }).status;

/** The http-errors that @koa/send and resolve-path throw, as problems that never show a server path. */
function asProblem(err: unknown): unknown {
  switch (statusOf(err)) {
    case 400:
      return new BadRequestError('invalid_path', 'The path cannot be decoded or contains forbidden characters.');
    case 403:
      return new AppError(403, 'path_forbidden', 'The path leads outside the storefront.');
    default:
      return err;
  }
}

/** Sends one file below root with its cache policy and an ETag; false when there is none to send. */
async function sendFile(ctx: ParameterizedContext, root: string, path: string, cacheControl: string): Promise<boolean> {
  const sent = await send(ctx, path, {
    root,
    index: 'index.html',
    // Nothing is precompressed (.br/.gz) at build time, so do not look for such files on every request.
    brotli: false,
    gzip: false,
    setHeaders: (res, _file, stats) => {
      res.setHeader('cache-control', cacheControl);
      res.setHeader('etag', etag(stats));
    },
  });
  // Dotfiles (the build stamp) are never served: send() returns without a body for them.
  return sent !== undefined;
}

/**
 * Serves the built storefront (WEB_ROOT, Vite's dist folder) at / on the gateway's own origin, for
 * GET and HEAD on every path outside /api that no route answered: hashed /assets for a year,
 * index.html and other files revalidated every time, and index.html for any other path a browser
 * asks as a page (Accept: text/html; the single-page app routes it). 304 for a matching If-None-Match/If-Modified-Since.
 * @koa/send resolves paths inside the root only (resolve-path refuses `..`, encoded or not, and NUL).
 */
export function storefront(root: string, log: Logger): Middleware {
  if (!existsSync(join(root, INDEX))) log.warn({ webRoot: root }, 'no storefront build at WEB_ROOT: / answers 503 until one is there');
  return async (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || isApiPath(ctx.path)) return next();
    ctx.set(STOREFRONT_SECURITY_HEADERS);
    const asset = ctx.path.startsWith(ASSETS);
    let found: boolean;
    try {
      found = await sendFile(ctx, root, ctx.path, asset ? IMMUTABLE : REVALIDATE);
    } catch (err) {
      if (statusOf(err) !== 404) throw asProblem(err);
      found = false;
    }
    if (!found) {
      // A missing asset stays a 404: index.html in its place would fail as a script or style anyway.
      if (asset || !asksForPage(ctx)) throw new NotFoundError('file_not_found', `There is no file at ${ctx.path}.`);
      try {
        await sendFile(ctx, root, INDEX, REVALIDATE);
      } catch (err) {
        if (statusOf(err) !== 404) throw asProblem(err);
        throw new UnavailableError('storefront_unavailable', 'The storefront is not installed on this gateway; the API under /api works.');
      }
    }
    if (ctx.fresh) {
      ctx.status = 304;
      ctx.body = null;
    }
  };
}
