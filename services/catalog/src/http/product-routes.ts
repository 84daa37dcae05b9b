import { createHash } from 'node:crypto';
import type Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { pageQuery, parseInput, uuid } from '@switchyard/kit/validate';
import type { Catalog } from '../products/catalog.js';

const productId = uuid();

/** Sends a JSON body with a strong ETag, answering 304 when the client already has it. */
function sendCacheable(ctx: ParameterizedContext, body: unknown, maxAgeSeconds: number): void {
  const json = JSON.stringify(body);
  const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 32)}"`;
  ctx.set('etag', etag);
  ctx.set('cache-control', `public, max-age=${maxAgeSeconds}`);
  const ifNoneMatch = ctx.get('if-none-match');
  const matches = ifNoneMatch === '*' || ifNoneMatch.split(',').some((tag) => tag.trim() === etag);
  if (matches) {
    ctx.status = 304;
    return;
  }
  ctx.type = 'application/json';
  ctx.body = json;
}

/** GET /products (cursor pagination) and GET /products/:id, both cacheable with ETags. */
export function productRoutes(router: Router, catalog: Catalog, maxAgeSeconds: number): void {
  router.get('/products', async (ctx) => {
    const query = parseInput(pageQuery, ctx.query);
    sendCacheable(ctx, await catalog.list(query.limit, query.cursor), maxAgeSeconds);
  });

  router.get('/products/:id', async (ctx) => {
    sendCacheable(ctx, await catalog.get(parseInput(productId, ctx.params.id)), maxAgeSeconds);
  });
}
