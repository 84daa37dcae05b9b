import { Counter, type Registry } from 'prom-client';
import type { AmqpConnection } from './amqp-connection.js';
import type { Logger } from './log.js';
import { sharedMetric } from './metrics.js';
import { UnavailableError } from './errors.js';
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
 * Row and notification go in one statement: one round trip per event instead of two.
 */
export async function enqueueOutbox(db: PoolClient, message: OutboxMessage): Promise<void> {
  await db.query(
    `WITH queued AS (INSERT INTO outbox (id, routing_key, payload, headers) VALUES ($1, $2, $3, $4) RETURNING id)
     SELECT pg_notify('${CHANNEL}', '') FROM queued`,
    // The trace context of this transaction, so the relay's publish and the consumers continue its trace.
    [message.id, message.routingKey, JSON.stringify(message.payload), JSON.stringify({ ...message.headers, ...outboxTraceHeaders(message) })],
  );
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
  /**
   * How long a batch waits for the broker's confirms (default 10 s). A confirm that does not come (a
   * connection the broker blocked, a socket that died without closing) must not hold the batch's row
   * locks and the relay for ever: the unconfirmed rows stay pending and go out again later.
   */
  confirmTimeoutMs?: number;
}

interface OutboxRow {
  id: string;
  routing_key: string;
  payload: OutboxMessage['payload'];
  headers: Record<string, string>;
}

/**
 * Each promise's outcome once all settled, or after `ms` whatever has settled by then (undefined for
 * the rest). Promise.allSettled has no time limit, and a broker's confirm can stay away indefinitely.
 */
async function settledWithin<T>(ms: number, promises: Array<Promise<T>>): Promise<Array<PromiseSettledResult<T> | undefined>> {
  const outcomes: Array<PromiseSettledResult<T> | undefined> = promises.map(() => undefined);
  const all = Promise.all(
    promises.map((p, i) =>
      p.then(
        (value) => void (outcomes[i] = { status: 'fulfilled', value }),
        (reason: unknown) => void (outcomes[i] = { status: 'rejected', reason }),
      ),
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
  return [...outcomes];
}

/**
 * Publishes pending outbox rows and marks them published. A batch is claimed with FOR UPDATE SKIP
 * LOCKED (several replicas never publish the same row at the same time), written to the broker in seq
 * order with every confirm in flight together (one broker round trip per batch, while the claim holds
 * the rows), and the confirmed rows are marked in one statement when the transaction commits. It wakes
 * on NOTIFY and polls as a fallback; while the broker is down rows simply wait.
 *
 * What a failure leaves: a row the broker nacked, or whose confirm was lost with the channel, stays
 * pending and is published again, in seq order with the others left, by a later batch (it may then
 * arrive after rows that were behind it in its batch). A row confirmed but not marked (the relay died
 * before its commit) is published again too. Either way a consumer may get a message twice, with the
 * same message id, which its inbox absorbs; no row is ever dropped.
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
    const { claimed, failure } = await withTransaction(this.options.pool, async (db) => {
      const { rows } = await db.query<OutboxRow>(
        'SELECT id, routing_key, payload, headers FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED',
        [batchSize],
      );
      const outcomes = await settledWithin(
        this.options.confirmTimeoutMs ?? 10_000,
        rows.map((row) =>
          withStoredTrace(row.headers, () => amqp.publish(exchange, row.routing_key, Buffer.from(JSON.stringify(row.payload)), {
            messageId: row.id,
            type: row.payload.type,
            appId: row.payload.source,
            contentType: 'application/json',
            timestamp: Math.floor(Date.parse(row.payload.time) / 1000),
            headers: row.headers,
          })),
        ),
      );
      const confirmed = rows.filter((_, i) => outcomes[i]?.status === 'fulfilled').map((row) => row.id);
      if (confirmed.length > 0) await db.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[])', [confirmed]);
      const rejected = outcomes.find((o): o is PromiseRejectedResult => o?.status === 'rejected');
      const unsettled = outcomes.filter((o) => o === undefined).length;
      const failure = rejected?.reason ?? (unsettled > 0 ? new UnavailableError('publish_not_confirmed', `RabbitMQ did not confirm ${unsettled} of ${rows.length} messages in time.`) : undefined);
      return { claimed: rows.length, confirmed: confirmed.length, failure: failure as unknown };
    }).then((batch) => {
      // Counted once committed: a rolled-back mark publishes the rows again.
      this.#published?.inc(batch.confirmed);
      return batch;
    });
    // Thrown after the commit, so the rows that were confirmed stay marked.
    if (failure !== undefined) throw failure;
    return claimed;
  }

  async #prune(): Promise<void> {
    if (Date.now() - this.#lastPrune < Math.min(60_000, this.options.retentionMs)) return;
    this.#lastPrune = Date.now();
    const { rowCount } = await this.options.pool.query("DELETE FROM outbox WHERE published_at < now() - $1 * interval '1 millisecond'", [this.options.retentionMs]);
    if (rowCount) this.options.log.debug({ rows: rowCount }, 'pruned published outbox rows');
  }

}
