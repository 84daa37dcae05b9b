import { PassThrough } from 'node:stream';
import type { ParameterizedContext } from 'koa';
import type { Readiness } from './readiness.js';

/**
 * The open Server-Sent Events streams of a route: one heartbeat timer for all of them (ten thousand
 * streams, not ten thousand timers), and every one ended when the service drains, so the listener can
 * close and clients reconnect to a replica that stays.
 */
export class SseStreams {
  readonly #open = new Set<PassThrough>();

  constructor(readiness: Readiness, heartbeatMs: number) {
    const heartbeat = setInterval(() => this.#open.forEach((stream) => stream.write(': heartbeat\n\n')), heartbeatMs).unref();
    readiness.onDraining(() => {
      clearInterval(heartbeat);
      this.#open.forEach((stream) => stream.end());
    });
  }

  /** Answers the request with a new event stream (headers, `retry`), kept until it or the response closes. */
  open(ctx: ParameterizedContext): PassThrough {
    const stream = new PassThrough();
    this.#open.add(stream);
    const forget = () => this.#open.delete(stream);
    stream.once('close', forget);
    ctx.res.once('close', forget);
    ctx.status = 200;
    ctx.set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    ctx.req.socket.setNoDelay(true);
    ctx.body = stream;
    stream.write('retry: 2000\n\n');
    return stream;
  }
}
