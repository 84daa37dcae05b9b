import type { Logger } from '@switchyard/kit/log';
import { PgListener } from '@switchyard/kit/pg-listener';
import { NOTIFY_CHANNEL } from '../notifications/notification-store.js';

type Listener = () => void;

/**
 * Live fan-out across replicas. The replica whose consumer stores a notification is not the one
 * holding the user's stream, so every replica LISTENs on Postgres: NOTIFY is sent in the same
 * transaction as the insert and delivered on commit to all of them, and each wakes only the streams
 * of that user. After the LISTEN connection is re-established every stream is woken once, to catch
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
      onNotify: (userId) => this.#wake(userId),
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

  #wake(userId?: string): void {
    const sets = userId ? [this.#listeners.get(userId)] : [...this.#listeners.values()];
    for (const set of sets) for (const listener of set ?? []) listener();
  }

}
