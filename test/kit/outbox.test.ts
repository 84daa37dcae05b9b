import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AmqpConnection } from '@switchyard/kit/amqp-connection';
import { registerEventConsumer, unroutedName } from '@switchyard/kit/event-consumer';
import { processOnce } from '@switchyard/kit/inbox';
import { INBOX_MIGRATIONS, OUTBOX_MIGRATIONS } from '@switchyard/kit/kit-migrations';
import { migrate } from '@switchyard/kit/migrate';
import { OutboxRelay, enqueueOutbox } from '@switchyard/kit/outbox';
import { createPool, withTransaction, type Pool } from '@switchyard/kit/postgres';
import { BrokerProbe, amqpUrl, eventually, isolatedNames } from '../support/broker.js';
import { freshDatabase, queryRows } from '../support/database.js';
import { capturedLogger } from '../support/logs.js';
import { controlledProxy } from '../support/tcp.js';

const outbox = suite('transactional outbox and relay');
const { log } = capturedLogger('outbox-test');
let db: Awaited<ReturnType<typeof freshDatabase>>;
let pool: Pool;
let probe: BrokerProbe;
let names: { exchange: string; queue: string };
const running: Array<{ stop(): Promise<void> } | { close(): Promise<void> }> = [];

outbox.before.each(async () => {
  db = await freshDatabase('outbox');
  pool = createPool(db.url, log, { applicationName: 'outbox-test' });
  await migrate(pool, OUTBOX_MIGRATIONS, log);
  probe = await BrokerProbe.open();
  names = isolatedNames('outbox');
  await probe.tap(names.exchange, names.queue);
});

outbox.after.each(async () => {
  for (const thing of running.splice(0).reverse()) await ('stop' in thing ? thing.stop() : thing.close());
  await probe.close();
  await pool.end();
  await db.drop();
});

async function enqueue(count: number): Promise<string[]> {
  const ids: string[] = [];
  await withTransaction(pool, async (client) => {
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      ids.push(id);
      await enqueueOutbox(client, {
        id,
        routingKey: 'thing.happened',
        payload: { specversion: '1.0', id, type: 'thing.happened', source: '/test', time: new Date().toISOString(), data: { n: i } },
        headers: { 'x-request-id': `req-${i}` },
      });
    }
  });
  return ids;
}

async function relay(options: { pollIntervalMs?: number; retentionMs?: number; exchange?: string; url?: string; confirmTimeoutMs?: number } = {}): Promise<OutboxRelay> {
  const connection = new AmqpConnection({ url: options.url ?? amqpUrl(), connectionName: 'relay-test', log, reconnectMaxMs: 200 });
  connection.start();
  await connection.whenConnected();
  running.push(connection);
  const started = new OutboxRelay({
    pool,
    databaseUrl: db.url,
    amqp: connection,
    exchange: options.exchange ?? names.exchange,
    log,
    pollIntervalMs: options.pollIntervalMs ?? 200,
    batchSize: 25,
    retentionMs: options.retentionMs ?? 3_600_000,
    ...(options.confirmTimeoutMs ? { confirmTimeoutMs: options.confirmTimeoutMs } : {}),
  }).start();
  running.push(started);
  return started;
}

const pending = async () => Number((await queryRows<{ n: string }>(db.url, 'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL'))[0]!.n);
const pendingIds = async () => (await queryRows<{ id: string }>(db.url, 'SELECT id FROM outbox WHERE published_at IS NULL ORDER BY seq')).map((r) => r.id);
const ids = (messages: Array<{ properties: { messageId?: unknown } }>) => messages.map((m) => String(m.properties.messageId));

outbox('publishes rows in order with their id as messageId, type and headers', async () => {
  await relay();
  const ids = await enqueue(40);
  await eventually(async () => ((await pending()) === 0 ? true : undefined), 10_000, 'every row published');
  const messages = await probe.drain(names.queue);
  assert.equal(messages.map((m) => m.properties.messageId), ids);
  const first = messages[0]!;
  assert.is(first.fields.routingKey, 'thing.happened');
  assert.is(first.properties.type, 'thing.happened');
  assert.is(first.properties.deliveryMode, 2, 'persistent');
  assert.is(first.properties.headers!['x-request-id'], 'req-0');
  assert.equal(JSON.parse(first.content.toString()).data, { n: 0 });
});

outbox('two relays on the same outbox publish every row, none twice', async () => {
  await Promise.all([relay(), relay()]);
  const ids = await enqueue(300);
  await eventually(async () => ((await pending()) === 0 ? true : undefined), 20_000, 'every row published');
  await new Promise((r) => setTimeout(r, 200));
  const published = (await probe.drain(names.queue)).map((m) => m.properties.messageId as string);
  assert.is(published.length, 300);
  assert.is(new Set(published).size, 300);
  assert.equal([...published].sort(), [...ids].sort());
});

outbox('wakes on NOTIFY at commit, without waiting for the poll', async () => {
  await relay({ pollIntervalMs: 600_000 });
  await new Promise((r) => setTimeout(r, 300));
  const [id] = await enqueue(1);
  const messages = await eventually(async () => {
    const got = await probe.drain(names.queue);
    return got.length > 0 ? got : undefined;
  }, 5000, 'the row was published after NOTIFY');
  assert.is(messages[0]!.properties.messageId, id);
});

outbox('keeps rows pending while the broker link is down, and publishes them once it is back', async () => {
  const connection = new AmqpConnection({ url: 'amqp://guest:guest@127.0.0.1:1', connectionName: 'nowhere', log, reconnectMaxMs: 200 });
  connection.start();
  running.push(connection);
  running.push(new OutboxRelay({ pool, databaseUrl: db.url, amqp: connection, exchange: names.exchange, log, pollIntervalMs: 100, batchSize: 25, retentionMs: 3_600_000 }).start());
  await enqueue(5);
  await new Promise((r) => setTimeout(r, 500));
  assert.is(await pending(), 5);
  await relay();
  await eventually(async () => ((await pending()) === 0 ? true : undefined), 10_000, 'published once a relay had a broker');
  assert.is((await probe.drain(names.queue)).length, 5);
});

outbox('keeps an event nobody is bound for in the unrouted queue instead of losing it', async () => {
  const exchange = `${names.exchange}.lonely`;
  await probe.declare(exchange);
  await relay({ exchange });
  const [id] = await enqueue(1);
  await eventually(async () => ((await pending()) === 0 ? true : undefined), 10_000, 'published');
  const kept = await eventually(async () => {
    const got = await probe.drain(unroutedName(exchange));
    return got.length > 0 ? got : undefined;
  }, 5000, 'the event reached the unrouted queue');
  assert.equal([kept[0]!.properties.messageId, kept[0]!.fields.routingKey], [id, 'thing.happened']);
});

outbox('prunes published rows older than the retention', async () => {
  await relay({ retentionMs: 1 });
  await enqueue(3);
  await eventually(async () => {
    const rows = await queryRows<{ n: string }>(db.url, 'SELECT count(*) AS n FROM outbox');
    return rows[0]!.n === '0' ? true : undefined;
  }, 10_000, 'published rows were pruned');
  assert.is((await probe.drain(names.queue)).length, 3);
});

outbox('a batch the broker confirms only in part: the confirmed rows are marked, the refused ones stay pending and go out later, none twice', async () => {
  // A queue that holds five messages and refuses more: the broker nacks the rest of the batch.
  const exchange = `${names.exchange}.limited`;
  const queue = `${names.queue}.limited`;
  await probe.limitedTap(exchange, queue, 5);
  await relay({ exchange });
  const enqueued = await enqueue(8);
  await eventually(async () => ((await pendingIds()).length === 3 ? true : undefined), 10_000, 'five rows marked published');
  assert.equal(await pendingIds(), enqueued.slice(5), 'the refused rows, still pending');
  assert.equal(ids(await probe.drain(queue)), enqueued.slice(0, 5));
  // Room again: a later batch publishes the rest, and only the rest.
  await eventually(async () => ((await pending()) === 0 ? true : undefined), 10_000, 'the refused rows published');
  assert.equal(ids(await probe.drain(queue)), enqueued.slice(5));
});

outbox('a connection that drops with confirms outstanding: the rows stay pending, go out again, and the inbox applies each once', async () => {
  await migrate(pool, INBOX_MIGRATIONS, log);
  await pool.query('CREATE TABLE effects (message_id text PRIMARY KEY, applied integer NOT NULL DEFAULT 1)');
  // The consumer has a connection of its own, straight to the broker.
  const consumer = new AmqpConnection({ url: amqpUrl(), connectionName: 'consumer-test', log });
  const registry = new Registry();
  registerEventConsumer({
    registry,
    connection: consumer,
    topology: { exchange: names.exchange, queue: `${names.queue}.consumer`, routingKeys: ['thing.happened'], retryDelaysMs: [100] },
    prefetch: 16,
    maxAttempts: 3,
    decode: (content) => JSON.parse(content.toString()) as { id: string; type: string },
    handle: async (event) =>
      void (await processOnce(pool, 'effects', event.id, async (tx) => {
        await tx.query('INSERT INTO effects (message_id) VALUES ($1) ON CONFLICT (message_id) DO UPDATE SET applied = effects.applied + 1', [event.id]);
      })),
    log,
  });
  consumer.start();
  running.push(consumer);
  await consumer.whenConnected();

  // The relay talks to the broker through a proxy that can hold the broker's replies back, then cut.
  const broker = new URL(amqpUrl());
  const proxy = await controlledProxy(Number(broker.port));
  running.push(proxy);
  await relay({ url: `${broker.protocol}//${broker.username}:${broker.password}@127.0.0.1:${proxy.port}` });
  proxy.holdReplies();
  const enqueued = await enqueue(10);
  // The whole batch reaches the broker while no confirm can come back: confirms are in flight together.
  const seen: string[] = [];
  await eventually(async () => {
    seen.push(...ids(await probe.drain(names.queue)));
    return seen.length === 10 ? true : undefined;
  }, 10_000, 'all ten routed by the broker before any confirm');
  assert.equal(seen, enqueued);
  assert.is(await pending(), 10, 'unconfirmed rows are not marked');

  proxy.cut();
  await eventually(async () => ((await pending()) === 0 ? true : undefined), 15_000, 'published again after the reconnect');
  await eventually(async () => {
    seen.push(...ids(await probe.drain(names.queue)));
    return seen.length === 20 ? true : undefined;
  }, 10_000, 'the second copies');
  assert.equal(seen.slice(10), enqueued, 'the same message ids again, in order');
  const processed = async () => (await registry.getSingleMetric('events_consumed_total')!.get()).values.reduce((sum, v) => sum + (v.labels.outcome === 'processed' ? v.value : 0), 0);
  await eventually(async () => ((await processed()) === 20 ? true : undefined), 15_000, 'the consumer took both copies of every event');
  const effects = await queryRows<{ message_id: string; applied: number }>(db.url, 'SELECT message_id, applied FROM effects ORDER BY message_id');
  assert.equal(effects, [...enqueued].sort().map((id) => ({ message_id: id, applied: 1 })));
});

outbox('confirms that never come: after the confirm timeout the relay lets go of its rows, and another relay publishes them', async () => {
  // Relay A reaches the broker through a proxy that holds every reply back: its publishes go out, no confirm returns.
  const broker = new URL(amqpUrl());
  const proxy = await controlledProxy(Number(broker.port));
  running.push(proxy);
  await relay({ url: `${broker.protocol}//${broker.username}:${broker.password}@127.0.0.1:${proxy.port}`, confirmTimeoutMs: 500, pollIntervalMs: 60_000 });
  proxy.holdReplies();
  const enqueued = await enqueue(3);
  const seen: string[] = [];
  await eventually(async () => {
    seen.push(...ids(await probe.drain(names.queue)));
    return seen.length >= 3 ? true : undefined;
  }, 10_000, 'relay A published the batch');
  // Relay B, straight to the broker, finds them: A gave up waiting and its claim (FOR UPDATE) ended.
  await relay({ pollIntervalMs: 100 });
  await eventually(async () => ((await pending()) === 0 ? true : undefined), 10_000, 'relay B published the rows relay A could not get confirmed');
  await eventually(async () => {
    seen.push(...ids(await probe.drain(names.queue)));
    return seen.length >= 6 ? true : undefined;
  }, 10_000, 'the second copies');
  assert.equal(seen.slice(0, 3), enqueued);
  assert.equal(seen.slice(3, 6), enqueued, 'published again with the same message ids (a consumer inbox absorbs the copy)');
});

outbox.run();
