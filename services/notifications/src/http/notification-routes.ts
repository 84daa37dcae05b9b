import type Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { BadRequestError, UnauthorizedError } from '@switchyard/kit/errors';
import type { Pool } from '@switchyard/kit/postgres';
import type { Readiness } from '@switchyard/kit/readiness';
import { SseStreams } from '@switchyard/kit/sse-streams';
import { inSpan } from '@switchyard/kit/tracing/context';
import { parseInput } from '@switchyard/kit/validate';
import type { LiveFeed } from '../live/live-feed.js';
import { latestSeq, listNewestFirst, type StoredNotification } from '../notifications/notification-store.js';

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

/**
 * The frames of notifications, one per notification object: the feed hands the same object to every
 * stream of its user, so it is serialised once and the same bytes are written to all of them (ten
 * thousand streams, one JSON.stringify and one Buffer).
 */
const frames = new WeakMap<StoredNotification, Buffer>();
function sseFrame(stored: StoredNotification): Buffer {
  let frame = frames.get(stored);
  if (!frame) {
    frame = Buffer.from(`id: ${stored.seq}\nevent: notification\ndata: ${JSON.stringify(stored.notification)}\n\n`);
    frames.set(stored, frame);
  }
  return frame;
}

export interface StreamSettings {
  heartbeatMs: number;
}

/** GET /notifications (the caller's, newest first, cursor pages) and GET /notifications/stream (SSE). */
export function notificationRoutes(router: Router, deps: { pool: Pool; feed: LiveFeed; readiness: Readiness }, settings: StreamSettings): void {
  const { pool, feed } = deps;
  // Streams never end by themselves: on drain they are closed and clients reconnect with Last-Event-ID.
  const streams = new SseStreams(deps.readiness, settings.heartbeatMs);

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

    const stream = streams.open(ctx);
    let sent = lastEventId ? Number(lastEventId) : -1;
    let pumping: Promise<void> | undefined;
    let again = false;
    // Sends what comes after `sent`, in order, never twice (positions commit in order per user).
    const send = (stored: StoredNotification) => {
      if (stored.seq <= sent) return;
      stream.write(sseFrame(stored));
      sent = stored.seq;
    };
    // A push is a span in the trace of the event that caused it (the NOTIFY carried its context);
    // inSpan runs `send` at once, so the order of pushes stays the order of calls.
    const push = (batch: StoredNotification[]) => inSpan('sse push', { 'switchyard.sse.events': batch.length }, () => batch.forEach(send));
    // Catching up: one query at a time per stream; a wake-up during a query runs one more afterwards.
    const pump = () => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = (async () => {
        do {
          again = false;
          for (;;) {
            const batch = await feed.catchUp(userId, sent, 100);
            if (batch.length > 0) await push(batch);
            if (batch.length < 100) break;
          }
        } while (again && !stream.writableEnded);
      })()
        .catch((err) => ctx.state.log.warn({ err }, 'notification stream query failed'))
        .finally(() => (pumping = undefined));
    };
    // The feed hands over the notification that committed (read once for all of the user's streams);
    // a stream that is not exactly one behind it, or is catching up already, reads for itself.
    // A delivery before the starting position is known is covered by the first pump after it.
    const unsubscribe = feed.subscribe(userId, (delivery) => {
      if (sent < 0) return;
      if ('stored' in delivery && delivery.stored.seq <= sent) return;
      if ('stored' in delivery && delivery.stored.seq === sent + 1 && !pumping) void push([delivery.stored]);
      else pump();
    });
    const close = () => {
      unsubscribe();
      stream.end();
    };
    ctx.req.on('close', close);
    stream.on('close', close);

    // Without Last-Event-ID the stream starts at the present; subscribed first, so nothing falls between.
    if (sent < 0) sent = await latestSeq(pool, userId);
    pump();
  });
}
