import { PassThrough } from 'node:stream';
import type Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { BadRequestError, UnauthorizedError } from '@switchyard/kit/errors';
import type { Pool } from '@switchyard/kit/postgres';
import type { Readiness } from '@switchyard/kit/readiness';
import { inSpan } from '@switchyard/kit/tracing/context';
import { parseInput } from '@switchyard/kit/validate';
import type { LiveFeed } from '../live/live-feed.js';
import { latestSeq, listAfter, listNewestFirst, type StoredNotification } from '../notifications/notification-store.js';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().regex(/^\d{1,18}$/, 'is not a cursor this API returned').optional(),
});
const userIdSchema = z.uuid();

function callerId(ctx: ParameterizedContext): string {
  // Set by requireUser from a verified token (it runs before every notifications route).
  const id = userIdSchema.safeParse(ctx.state.userId);
  if (!id.success) throw new UnauthorizedError('unauthenticated', 'This endpoint needs an authenticated user.');
  return id.data;
}

function sseFrame(stored: StoredNotification): string {
  return `id: ${stored.seq}\nevent: notification\ndata: ${JSON.stringify(stored.notification)}\n\n`;
}

export interface StreamSettings {
  heartbeatMs: number;
}

/** GET /notifications (the caller's, newest first, cursor pages) and GET /notifications/stream (SSE). */
export function notificationRoutes(router: Router, deps: { pool: Pool; feed: LiveFeed; readiness: Readiness }, settings: StreamSettings): void {
  const { pool, feed } = deps;
  const openStreams = new Set<PassThrough>();
  // Streams never end by themselves: on drain they are closed so the listener can close and clients
  // reconnect (with Last-Event-ID) to a replica that stays.
  deps.readiness.onDraining(() => openStreams.forEach((stream) => stream.end()));

  router.get('/notifications', async (ctx) => {
    const userId = callerId(ctx);
    const query = parseInput(listQuery, ctx.query);
    const page = await listNewestFirst(pool, userId, query.limit + 1, query.cursor ? Number(query.cursor) : undefined);
    const items = page.slice(0, query.limit);
    ctx.set('cache-control', 'no-store');
    ctx.body = { items: items.map((s) => s.notification), nextCursor: page.length > query.limit ? String(items.at(-1)!.seq) : null };
  });

  router.get('/notifications/stream', async (ctx) => {
    const userId = callerId(ctx);
    const lastEventId = ctx.get('last-event-id');
    if (lastEventId && !/^\d{1,18}$/.test(lastEventId)) throw new BadRequestError('invalid_last_event_id', 'Last-Event-ID is not an id this stream sent.');

    const stream = new PassThrough();
    openStreams.add(stream);
    let sent = lastEventId ? Number(lastEventId) : -1;
    let pumping: Promise<void> | undefined;
    let again = false;
    // One query at a time per stream; a wake-up during a query runs one more afterwards.
    const pump = () => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = (async () => {
        do {
          again = false;
          for (;;) {
            const batch = await listAfter(pool, userId, sent, 100);
            if (batch.length > 0) await inSpan('sse push', { 'switchyard.sse.events': batch.length }, () => batch.forEach((stored) => stream.write(sseFrame(stored))));
            if (batch.length > 0) sent = batch.at(-1)!.seq;
            if (batch.length < 100) break;
          }
        } while (again && !stream.writableEnded);
      })()
        .catch((err) => ctx.state.log.warn({ err }, 'notification stream query failed'))
        .finally(() => (pumping = undefined));
    };
    const unsubscribe = feed.subscribe(userId, pump);
    const heartbeat = setInterval(() => stream.write(': heartbeat\n\n'), settings.heartbeatMs);
    const close = () => {
      clearInterval(heartbeat);
      unsubscribe();
      openStreams.delete(stream);
      stream.end();
    };
    ctx.req.on('close', close);
    stream.on('close', close);

    ctx.status = 200;
    ctx.set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    ctx.req.socket.setNoDelay(true);
    ctx.body = stream;
    stream.write('retry: 2000\n\n');
    // Without Last-Event-ID the stream starts at the present; subscribed first, so nothing falls between.
    if (sent < 0) sent = await latestSeq(pool, userId);
    pump();
  });
}
