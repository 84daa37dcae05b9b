import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from './log.js';

export interface PgListenerOptions {
  databaseUrl: string;
  channel: string;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  log: Logger;
  /** Every NOTIFY on the channel, with its payload. */
  onNotify: (payload: string | undefined) => void;
  /** After every (re)connect: whatever was committed while not listening must be caught up. */
  onListening: () => void;
}

/**
 * Keeps one LISTEN connection to Postgres (outside any pool, whose connections come and go), and
 * reconnects a second after it fails. stop() ends it.
 */
export class PgListener {
  #client: pg.Client | undefined;
  #stopped = false;
  readonly #loop: Promise<void>;

  constructor(private readonly options: PgListenerOptions) {
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#client?.end().catch(() => undefined);
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { log, channel } = this.options;
    while (!this.#stopped) {
      const client = new pg.Client({ connectionString: this.options.databaseUrl, application_name: this.options.applicationName });
      const ended = new Promise<void>((resolve) => {
        client.on('error', (err) => {
          log.warn({ err, channel }, 'LISTEN connection failed');
          resolve();
        });
        client.on('end', () => resolve());
      });
      try {
        await client.connect();
        client.on('notification', (message) => this.options.onNotify(message.payload));
        await client.query(`LISTEN ${channel}`);
        this.#client = client;
        this.options.onListening();
        await ended;
      } catch (err) {
        log.warn({ err, channel }, 'LISTEN connection could not start');
      }
      this.#client = undefined;
      await client.end().catch(() => undefined);
      if (!this.#stopped) await sleep(1000);
    }
  }
}
