import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from '@switchyard/kit/log';
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
  #client: pg.Client | undefined;
  #stopped = false;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly log: Logger,
  ) {}

  start(): this {
    this.#loop ??= this.#listen();
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
    this.#stopped = true;
    await this.#client?.end().catch(() => undefined);
    await this.#loop;
  }

  #wake(userId?: string): void {
    const sets = userId ? [this.#listeners.get(userId)] : [...this.#listeners.values()];
    for (const set of sets) for (const listener of set ?? []) listener();
  }

  async #listen(): Promise<void> {
    while (!this.#stopped) {
      const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'notifications-live' });
      const ended = new Promise<void>((resolve) => {
        client.on('error', (err) => {
          this.log.warn({ err }, 'live feed LISTEN connection failed');
          resolve();
        });
        client.on('end', () => resolve());
      });
      try {
        await client.connect();
        client.on('notification', (message) => this.#wake(message.payload));
        await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
        this.#client = client;
        this.#wake();
        await ended;
      } catch (err) {
        this.log.warn({ err }, 'live feed LISTEN connection could not start');
      }
      this.#client = undefined;
      await client.end().catch(() => undefined);
      if (!this.#stopped) await sleep(1000);
    }
  }
}
