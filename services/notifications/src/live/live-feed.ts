import { Counter, type Registry } from 'prom-client';
import type { Logger } from '@switchyard/kit/log';
import { PgListener } from '@switchyard/kit/pg-listener';
import type { Pool } from '@switchyard/kit/postgres';
import { NOTIFY_CHANNEL, listAfter, parseNotifyPayload, type StoredNotification } from '../notifications/notification-store.js';

/** What a stream is told: the notification that committed, or to catch up by itself (anything may have). */
export type Delivery = { stored: StoredNotification } | { catchUp: true };

type Listener = (delivery: Delivery) => void;

/**
 * Live fan-out across replicas. The replica whose consumer stores a notification is not the one
 * holding the user's stream, so every replica LISTENs on Postgres: NOTIFY is sent in the same
 * transaction as the insert and delivered on commit to all of them, with the user and the position.
 * A replica holding streams of that user reads the notification once and hands it to all of them
 * (one read per notification, however many streams: a browser tab per device, say), in commit order:
 * the reads of one user are chained. A stream that missed a position, and every stream after the
 * LISTEN connection was re-established, catches up with a query of its own.
 */
export class LiveFeed {
  readonly #listeners = new Map<string, Set<Listener>>();
  /** Per user, the read in progress: the next one waits for it, so deliveries keep commit order. */
  readonly #reading = new Map<string, Promise<void>>();
  #listener: PgListener | undefined;
  readonly #reads: Counter<'kind'>;

  constructor(
    private readonly pool: Pool,
    private readonly databaseUrl: string,
    private readonly log: Logger,
    registry: Registry,
  ) {
    this.#reads = new Counter({
      name: 'notifications_stream_reads_total',
      help: 'Reads for live streams: fanout (one per new notification, for all of a user\'s streams), catchup (a stream reading for itself).',
      labelNames: ['kind'] as const,
      registers: [registry],
    });
  }

  /** A stream's own read of what came after `afterSeq` (after a gap, a reconnect, or at its start). */
  catchUp(userId: string, afterSeq: number, limit: number): Promise<StoredNotification[]> {
    this.#reads.inc({ kind: 'catchup' });
    return listAfter(this.pool, userId, afterSeq, limit);
  }

  start(): this {
    this.#listener ??= new PgListener({
      databaseUrl: this.databaseUrl,
      channel: NOTIFY_CHANNEL,
      applicationName: 'notifications-live',
      log: this.log,
      onNotify: (payload) => {
        if (!payload) return;
        const { userId, seq } = parseNotifyPayload(payload);
        if (seq === undefined) this.#deliver(userId, { catchUp: true });
        else this.#read(userId, seq);
      },
      onListening: () => {
        for (const userId of this.#listeners.keys()) this.#deliver(userId, { catchUp: true });
      },
    });
    return this;
  }

  /** Calls `listener` whenever the user has something new; returns the unsubscribe function. */
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

  /** Reads the notification at `seq` once, after the user's previous read, and hands it to every stream. */
  #read(userId: string, seq: number): void {
    if (!this.#listeners.has(userId)) return; // nobody here is listening: nothing to read
    const previous = this.#reading.get(userId) ?? Promise.resolve();
    const reading = previous
      .then(async () => {
        this.#reads.inc({ kind: 'fanout' });
        const [stored] = await listAfter(this.pool, userId, seq - 1, 1);
        this.#deliver(userId, stored?.seq === seq ? { stored } : { catchUp: true });
      })
      .catch((err: unknown) => {
        this.log.warn({ err, userId }, 'reading a new notification failed; its streams catch up');
        this.#deliver(userId, { catchUp: true });
      })
      .finally(() => {
        if (this.#reading.get(userId) === reading) this.#reading.delete(userId);
      });
    this.#reading.set(userId, reading);
  }

  #deliver(userId: string, delivery: Delivery): void {
    for (const listener of this.#listeners.get(userId) ?? []) listener(delivery);
  }
}
