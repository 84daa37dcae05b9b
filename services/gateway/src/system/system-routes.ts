import type Router from '@koa/router';
import { NotFoundError } from '@switchyard/kit/errors';
import type { Readiness } from '@switchyard/kit/readiness';
import { SseStreams } from '@switchyard/kit/sse-streams';
import type { EdgeGuards } from '../http/proxy-routes.js';
import type { SystemView } from './system-view.js';

/** A stream whose client reads slower than this much buffered output is ended (it reconnects and starts afresh). */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;

/**
 * GET /api/system/stream: the system view as Server-Sent Events, for signed-in users (bearer or the
 * browser's session cookie), under the same stream caps as the notification streams. On open: `recent`
 * (the events kept so far) and the latest `snapshot` if one is fresh; then every `snapshot` (~each
 * poll) and every `event` from the exchange, with a heartbeat comment every 15 s. Without
 * SYSTEM_VIEW_ENABLED the route answers 404 and nothing polls or connects. Streams end when the gateway drains.
 */
export function systemRoutes(router: Router, view: SystemView | undefined, guards: EdgeGuards, readiness: Readiness): void {
  const streams = new SseStreams(readiness, HEARTBEAT_MS);
  router.get('/api/system/stream', guards.shed, guards.limitAddress, guards.authenticate, guards.limitUser, (ctx) => {
    if (!view) throw new NotFoundError('system_view_disabled', 'The system view is not enabled on this gateway (SYSTEM_VIEW_ENABLED).');
    const release = guards.streams.acquire(ctx.state.userId!);
    const stream = streams.open(ctx);
    const send = (event: string, data: unknown) => {
      stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      if (stream.writableLength > MAX_BUFFERED_BYTES) stream.end();
    };
    send('recent', { items: view.recentEvents });
    if (view.latest) send('snapshot', view.latest);
    const unsubscribe = view.subscribe((update) => (update.kind === 'snapshot' ? send('snapshot', update.snapshot) : send('event', update.event)));
    ctx.res.once('close', () => {
      unsubscribe();
      release();
    });
  });
}
