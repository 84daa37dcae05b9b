import { Counter, type Registry } from 'prom-client';
import type { AmqpConnection } from './amqp-connection.js';
import type { Logger } from './log.js';
import { sharedMetric } from './metrics.js';
import { PgListener } from './pg-listener.js';
import { withTransaction, type Pool, type PoolClient } from './postgres.js';
import { withStoredTrace } from './tracing/context.js';
import { outboxTraceHeaders } from './tracing/outbox-trace.js';

const CHANNEL = 'outbox';

/** An event to publish, as the producer writes it inside its own transaction. */
export interface OutboxMessage {
  /** The event id: AMQP messageId and the consumers' deduplication key. */
  id: string;
  routingKey: string;
  /** The whole envelope (CloudEvents style). */
  payload: { type: string; source: string; time: string } & Record<string, unknown>;
  headers?: Record<string, string>;
}

/**
 * Adds an event to the outbox in the caller's transaction, so it is stored exactly when the state
 * change is. NOTIFY is transactional too: the relays wake when (and only if) the transaction commits.
 */
export async function enqueueOutbox(db: PoolClient, message: OutboxMessage): Promise<void> {
  await db.query('INSERT INTO outbox (id, routing_key, payload, headers) VALUES ($1, $2, $3, $4)', [
    message.id,
    message.routingKey,
    JSON.stringify(message.payload),
    // The trace context of this transaction, so the relay's publish and the consumers continue its trace.
    JSON.stringify({ ...message.headers, ...outboxTraceHeaders(message) }),
  ]);
  await db.query(`SELECT pg_notify('${CHANNEL}', '')`);
}

export interface OutboxRelayOptions {
  pool: Pool;
  /** A separate connection LISTENs for NOTIFY (the pool's connections come and go). */
  databaseUrl: string;
  amqp: AmqpConnection;
  exchange: string;
  log: Logger;
  registry?: Registry;
  /** The fallback when a notification is missed (a LISTEN connection that dropped, say). */
  pollIntervalMs: number;
  batchSize: number;
  /** Published rows older than this are deleted. */
  retentionMs: number;
}

interface OutboxRow {
  id: string;
  routing_key: string;
  payload: OutboxMessage['payload'];
  headers: Record<string, string>;
}

/**
 * Publishes pending outbox rows in order with publisher confirms and marks them published. It wakes
 * on NOTIFY and polls as a fallback. Rows are claimed with FOR UPDATE SKIP LOCKED, so several replicas
 * never publish the same row at the same time; while the broker is down rows simply wait. A row whose
 * publish was confirmed but whose mark was lost (a crash in between) is published again later, which
 * is why consumers deduplicate by message id (the inbox).
 */
export class OutboxRelay {
  #listener: PgListener | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #lastPrune = 0;
  readonly #published: Counter | undefined;

  constructor(private readonly options: OutboxRelayOptions) {
    if (options.registry) {
      const registry = options.registry;
      this.#published = sharedMetric(registry, 'outbox_published_total', () => new Counter({ name: 'outbox_published_total', help: 'Outbox rows published with a broker confirm.', registers: [registry] }));
    }
  }

  /** Starts listening and polling; the first drain runs at once. */
  start(): this {
    this.#listener = new PgListener({
      databaseUrl: this.options.databaseUrl,
      channel: CHANNEL,
      applicationName: 'outbox-relay',
      log: this.options.log,
      onNotify: () => this.kick(),
      onListening: () => this.kick(),
    });
    this.#timer = setInterval(() => this.kick(), this.options.pollIntervalMs);
    this.kick();
    return this;
  }

  /** Asks for a drain now; a drain already running runs once more afterwards. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.kick();
      }
    });
  }

  /** Stops waking up and waits for a drain in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running;
    await this.#listener?.stop();
  }

  /** Publishes batches until none is full; errors leave the rows for the next wake-up. */
  async #drain(): Promise<void> {
    try {
      while (!this.#stopped && this.options.amqp.connected) {
        const count = await this.#publishBatch();
        if (count < this.options.batchSize) break;
      }
      await this.#prune();
    } catch (err) {
      this.options.log.warn({ err }, 'outbox relay could not publish; rows stay pending');
    }
  }

  async #publishBatch(): Promise<number> {
    const { exchange, amqp, batchSize } = this.options;
    return withTransaction(this.options.pool, async (db) => {
      const { rows } = await db.query<OutboxRow>(
        'SELECT id, routing_key, payload, headers FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED',
        [batchSize],
      );
      const confirmed: string[] = [];
      let failure: unknown;
      for (const row of rows) {
        try {
          await withStoredTrace(row.headers, () => amqp.publish(exchange, row.routing_key, Buffer.from(JSON.stringify(row.payload)), {
            messageId: row.id,
            type: row.payload.type,
            appId: row.payload.source,
            contentType: 'application/json',
            timestamp: Math.floor(Date.parse(row.payload.time) / 1000),
            headers: row.headers,
          }));
          confirmed.push(row.id);
        } catch (err) {
          // Keep order: nothing after a failed row is published in this batch.
          failure = err;
          break;
        }
      }
      if (confirmed.length > 0) {
        await db.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[])', [confirmed]);
        this.#published?.inc(confirmed.length);
      }
      if (failure) throw failure;
      return rows.length;
    });
  }

  async #prune(): Promise<void> {
    if (Date.now() - this.#lastPrune < Math.min(60_000, this.options.retentionMs)) return;
    this.#lastPrune = Date.now();
    const { rowCount } = await this.options.pool.query("DELETE FROM outbox WHERE published_at < now() - $1 * interval '1 millisecond'", [this.options.retentionMs]);
    if (rowCount) this.options.log.debug({ rows: rowCount }, 'pruned published outbox rows');
  }

}
