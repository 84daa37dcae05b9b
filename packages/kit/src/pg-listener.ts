import pg from 'pg';
import { backoffDelay, pause } from './backoff.js';
import type { Logger } from './log.js';
import { splitNotifyPayload } from './pg-notify.js';
import { connectClient, dropClient } from './postgres.js';
import { withStoredTrace } from './tracing/context.js';

export interface PgListenerOptions {
  databaseUrl: string;
  channel: string;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  log: Logger;
  /** Every NOTIFY on the channel, with its payload; run in the trace context notify() sent with it. */
  onNotify: (payload: string | undefined) => void;
  /** After every (re)connect: whatever was committed while not listening must be caught up. */
  onListening: () => void;
  /** When an established LISTEN connection fails (not at stop()): NOTIFYs are missed from now until the next onListening. */
  onLost?: () => void;
  /** A connection attempt that gets no answer is given up after this long (then retried). */
  connectTimeoutMs?: number;
  /** The pause before a reconnect: from initialMs (default 500), doubling up to maxMs (default 5000), with jitter. */
  reconnect?: { initialMs: number; maxMs: number };
}

/**
 * Keeps one LISTEN connection to Postgres (outside any pool, whose connections come and go), and
 * reconnects with backoff after it fails. stop() returns promptly in every state: it ends the
 * connection whether it is established, still connecting (a server that accepted TCP and never
 * answers) or waiting to reconnect.
 */
export class PgListener {
  #client: pg.Client | undefined;
  readonly #stop = new AbortController();
  readonly #loop: Promise<void>;

  constructor(private readonly options: PgListenerOptions) {
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort(); // also ends a connection attempt in progress (connectClient)
    if (this.#client) dropClient(this.#client);
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { log, channel } = this.options;
    const stopping = this.#stop.signal;
    for (let failures = 0; !stopping.aborted; ) {
      const client = new pg.Client({
        connectionString: this.options.databaseUrl,
        application_name: this.options.applicationName,
        connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5_000,
      });
      this.#client = client;
      const ended = new Promise<void>((resolve) => {
        client.on('error', (err) => {
          if (!stopping.aborted) log.warn({ err, channel }, 'LISTEN connection failed');
          resolve();
        });
        client.on('end', () => resolve());
      });
      try {
        await connectClient(client, stopping, 'connecting to LISTEN');
        client.on('notification', (message) => {
          const { payload, headers } = splitNotifyPayload(message.payload);
          withStoredTrace(headers, () => this.options.onNotify(payload));
        });
        await client.query(`LISTEN ${channel}`);
        failures = 0;
        this.options.onListening();
        await ended;
        if (!stopping.aborted) this.options.onLost?.();
      } catch (err) {
        if (!stopping.aborted) log.warn({ err, channel }, 'LISTEN connection could not start');
      }
      this.#client = undefined;
      if (!stopping.aborted) await client.end().catch(() => undefined);
      const { initialMs, maxMs } = this.options.reconnect ?? { initialMs: 500, maxMs: 5_000 };
      if (!stopping.aborted) await pause(backoffDelay(failures++, initialMs, maxMs), stopping);
    }
  }
}
