import { Gauge, type Registry } from 'prom-client';
import { AppError, UnavailableError } from '@switchyard/kit/errors';

/**
 * Caps on live streams through this gateway replica: per user (a browser with many tabs, or a script)
 * and in all (each stream holds two sockets and an upstream connection for as long as it lives).
 */
export class StreamCaps {
  #open = 0;
  readonly #byUser = new Map<string, number>();
  readonly #gauge: Gauge;

  constructor(
    private readonly perUser: number,
    private readonly total: number,
    registry: Registry,
  ) {
    this.#gauge = new Gauge({ name: 'gateway_open_streams', help: 'Live SSE streams held open through the gateway.', registers: [registry] });
  }

  /** Takes a stream slot for the user, or throws 429 (their cap) / 503 (the gateway's); returns its release (idempotent). */
  acquire(userId: string): () => void {
    const mine = this.#byUser.get(userId) ?? 0;
    if (mine >= this.perUser) {
      throw new AppError(429, 'too_many_streams', `At most ${this.perUser} live streams per user may be open at once; close one first.`, { extensions: { limit: this.perUser } });
    }
    if (this.#open >= this.total) {
      throw new UnavailableError('stream_capacity_reached', 'The gateway holds as many live streams as it may; try again shortly.', { headers: { 'retry-after': '5' } });
    }
    this.#byUser.set(userId, mine + 1);
    this.#gauge.set(++this.#open);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#byUser.get(userId) ?? 1) - 1;
      if (left > 0) this.#byUser.set(userId, left);
      else this.#byUser.delete(userId);
      this.#gauge.set(--this.#open);
    };
  }
}
