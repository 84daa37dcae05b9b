import type { Logger } from '@switchyard/kit/log';
import { PgListener } from '@switchyard/kit/pg-listener';
import { NOTIFY_CHANNEL, parseNotifyPayload } from '../notifications/notification-store.js';

/** Woken with the position that committed, or without one when anything may have (after a reconnect). */
type Listener = (seq?: number) => void;

/**
 * Live fan-out across replicas. The replica whose consumer stores a notification is not the one
 * holding the user's stream, so every replica LISTENs on Postgres: NOTIFY is sent in the same
 * transaction as the insert and delivered on commit to all of them, and each wakes only the streams
 * of that user, with the position that committed (so a stream that sent it already need not read). After the LISTEN connection is re-established every stream is woken once, to catch
 * up on whatever was committed while it was down.
 */
export class LiveFeed {
  readonly #listeners = new Map<string, Set<Listener>>();
  #listener: PgListener | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly log: Logger,
  ) {}

  start(): this {
    this.#listener ??= new PgListener({
      databaseUrl: this.databaseUrl,
      channel: NOTIFY_CHANNEL,
      applicationName: 'notifications-live',
      log: this.log,
      onNotify: (payload) => {
        if (!payload) return;
        const { userId, seq } = parseNotifyPayload(payload);
        this.#wake(userId, seq);
      },
      onListening: () => this.#wake(),
    });
    return this;
  }

  /** Calls `listener` whenever the user may have something new; returns the unsubscribe function. */
  subscribe(userId: string, listener: Listener): () => void {
    let set = this.#listeners.get(userId);
    if (!set) this.#listeners.set(userId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(userId);
    };
  }

  async stop(): Promise<void> {
    await this.#listener?.stop();
  }

  #wake(userId?: string, seq?: number): void {
    const sets = userId ? [this.#listeners.get(userId)] : [...this.#listeners.values()];
    for (const set of sets) for (const listener of set ?? []) listener(seq);
  }
}
