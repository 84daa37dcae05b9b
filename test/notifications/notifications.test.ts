import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import amqp from 'amqplib';
import pg from 'pg';
import { buildEvent, parseEvent } from '@switchyard/contracts/events';
import { declareEventTopology, deadLetterQueue } from '@switchyard/kit/event-consumer';
import { createPool } from '@switchyard/kit/postgres';
import { readConfig as readNotificationsConfig } from '@switchyard/notifications/config';
import { storeNotificationOnce } from '@switchyard/notifications/events/notification-consumer';
import { insertNotification } from '@switchyard/notifications/notifications/notification-store';
import { startNotifications } from '@switchyard/notifications/service';
import { stopService } from '@switchyard/kit/lifecycle';
import { BrokerProbe, amqpUrl, eventually, isolatedNames } from '../support/broker.js';
import { freshDatabase, queryRows } from '../support/database.js';
import { request } from '../support/http.js';
import { ed25519Pem } from '../support/keys.js';
import { capturedLogger } from '../support/logs.js';
import { startTestGateway, startTestUsers, type TestService } from '../support/services.js';
import { SseClient } from '../support/sse.js';

const notifications = suite('notifications: events in, REST and SSE out');
const { log } = capturedLogger('notifications-test');
let usersDb: Awaited<ReturnType<typeof freshDatabase>>;
let notesDb: Awaited<ReturnType<typeof freshDatabase>>;
let users: TestService;
let notes: { url: string; adminUrl: string; stop: () => Promise<void> };
let gateway: TestService;
let probe: BrokerProbe;
let names: { exchange: string; queue: string };
const streams: SseClient[] = [];

const notificationsEnv = (queue: string, exchange = names.exchange) => ({
  HTTP_HOST: '127.0.0.1',
  HTTP_PORT: '0',
  ADMIN_PORT: '0',
  AUTH_URL: users.url,
  DATABASE_URL: notesDb.url,
  AMQP_URL: amqpUrl(),
  EVENTS_EXCHANGE: exchange,
  EVENTS_QUEUE: queue,
  CONSUMER_RETRY_DELAYS_MS: '100,200',
  CONSUMER_MAX_ATTEMPTS: '3',
  SSE_HEARTBEAT_MS: '300',
});

async function startNotes(queue: string, exchange?: string) {
  const started = await startNotifications(readNotificationsConfig(notificationsEnv(queue, exchange)), log);
  return { url: `http://127.0.0.1:${started.httpPort}`, adminUrl: `http://127.0.0.1:${started.adminPort}`, stop: () => stopService(started) };
}

notifications.before(async () => {
  [usersDb, notesDb] = await Promise.all([freshDatabase('users_n'), freshDatabase('notifications')]);
  names = isolatedNames('notifications');
  probe = await BrokerProbe.open();
  users = await startTestUsers(usersDb.url, ed25519Pem(), log, { AMQP_URL: amqpUrl(), EVENTS_EXCHANGE: names.exchange, OUTBOX_POLL_INTERVAL_MS: '200' });
  notes = await startNotes(names.queue);
  gateway = await startTestGateway(users.url, log, { NOTIFICATIONS_URL: notes.url });
});

notifications.after(async () => {
  await Promise.all(streams.map((s) => s.close()));
  await gateway.stop();
  await notes.stop();
  await users.stop();
  await probe.close();
  await Promise.all([usersDb.drop(), notesDb.drop()]);
});

async function signUp(email: string, name: string): Promise<{ id: string; auth: Record<string, string> }> {
  const created = await request(`${gateway.url}/api/users`, { method: 'POST', json: { email, password: 'long enough pw', name } });
  assert.is(created.status, 201);
  const session = await request(`${gateway.url}/api/sessions`, { method: 'POST', json: { email, password: 'long enough pw' } });
  return { id: created.body.id, auth: { authorization: `Bearer ${session.body.token}` } };
}

const listFor = (auth: Record<string, string>, query = '') => request(`${gateway.url}/api/notifications${query}`, { headers: auth });

async function openStream(auth: Record<string, string>, lastEventId?: string): Promise<SseClient> {
  const stream = await SseClient.open(`${gateway.url}/api/notifications/stream`, { ...auth, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) });
  streams.push(stream);
  return stream;
}

/** Publishes an event the way a producer's relay would. */
async function publish(event: ReturnType<typeof buildEvent>): Promise<void> {
  await probe.publish(names.exchange, event.type, event, { messageId: event.id, type: event.type });
}

/** Deliveries of user.registered the service has handled to the end (stored or found in its inbox) and acked. */
async function consumed(adminUrl: string, queue = names.queue): Promise<number> {
  const text = (await request(`${adminUrl}/metrics`)).text as string;
  const line = text.split('\n').find((l) => l.startsWith('events_consumed_total{') && l.includes(`queue="${queue}"`) && l.includes('type="user.registered"') && l.includes('outcome="processed"'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

const countForEvent = async (eventId: string) =>
  Number((await queryRows<{ n: string }>(notesDb.url, 'SELECT count(*) AS n FROM notifications WHERE event_id = $1', [eventId]))[0]!.n);

notifications('register → a welcome notification, readable by REST and arriving on an SSE stream', async () => {
  const ada = await signUp('ada@example.com', 'Ada');
  const listed = await eventually(async () => {
    const res = await listFor(ada.auth);
    return res.body.items.length > 0 ? res : undefined;
  }, 10_000, 'the welcome notification was stored');
  assert.is(listed.status, 200);
  assert.equal(Object.keys(listed.body.items[0]).sort(), ['createdAt', 'id', 'message', 'type']);
  assert.equal([listed.body.items[0].type, listed.body.items[0].message], ['welcome', 'Welcome to Switchyard, Ada!']);

  const stream = await openStream(ada.auth, '0');
  assert.is(stream.status, 200);
  assert.is(stream.contentType, 'text/event-stream; charset=utf-8');
  const [welcome] = await stream.waitFor(1);
  assert.is(welcome!.event, 'notification');
  assert.match(welcome!.id ?? '', /^\d+$/);
  assert.equal(JSON.parse(welcome!.data), listed.body.items[0]);
});

notifications('pushes a new notification live to an open stream, with heartbeats in between', async () => {
  const bob = await signUp('bob@example.com', 'Bob');
  await eventually(async () => ((await listFor(bob.auth)).body.items.length === 1 ? true : undefined), 10_000, 'welcome stored');
  const stream = await openStream(bob.auth);
  await eventually(async () => (stream.comments.includes('heartbeat') ? true : undefined), 5000, 'a heartbeat comment keeps the stream alive');
  assert.is(stream.events.length, 0, 'without Last-Event-ID the stream starts at the present');
  await publish(buildEvent('user.registered', '/test', { userId: bob.id, email: 'bob@example.com', name: 'Bob again' }, bob.id));
  const [live] = await stream.waitFor(1, 5000);
  assert.is(JSON.parse(live!.data).message, 'Welcome to Switchyard, Bob again!');
});

notifications('resumes from Last-Event-ID with exactly what the client missed, in order', async () => {
  const cy = await signUp('cy@example.com', 'Cy');
  const first = await openStream(cy.auth, '0');
  const [welcome] = await first.waitFor(1);
  await first.close();
  for (const name of ['Missed One', 'Missed Two']) {
    await publish(buildEvent('user.registered', '/test', { userId: cy.id, email: 'cy@example.com', name }, cy.id));
  }
  await eventually(async () => ((await listFor(cy.auth)).body.items.length === 3 ? true : undefined), 5000, 'both stored');
  const resumed = await openStream(cy.auth, welcome!.id);
  const missed = await resumed.waitFor(2);
  const names = (events: typeof missed) => events.map((e) => JSON.parse(e.data).message.slice('Welcome to Switchyard, '.length, -1) as string);
  // In the order they were stored (their ids): the consumer handles deliveries concurrently, so two
  // events published back to back may be stored either way round.
  assert.equal([...names(missed)].sort(), ['Missed One', 'Missed Two']);
  assert.ok(Number(welcome!.id) < Number(missed[0]!.id) && Number(missed[0]!.id) < Number(missed[1]!.id), `ids in order: ${welcome!.id}, ${missed.map((e) => e.id).join(', ')}`);
  // A later event arriving next proves nothing else was queued in between.
  await publish(buildEvent('user.registered', '/test', { userId: cy.id, email: 'cy@example.com', name: 'Live' }, cy.id));
  const all = await resumed.waitFor(3);
  assert.equal(names(all), [...names(missed), 'Live'], 'nothing twice');
});

notifications('with two replicas, a stream on either one receives every event, whichever replica consumed it', async () => {
  const gus = await signUp('gus@example.com', 'Gus');
  await eventually(async () => ((await listFor(gus.auth)).body.items.length === 1 ? true : undefined), 10_000, 'welcome stored');
  const second = await startNotes(names.queue);
  try {
    const onFirst = await SseClient.open(`${notes.url}/notifications/stream`, gus.auth);
    const onSecond = await SseClient.open(`${second.url}/notifications/stream`, gus.auth);
    streams.push(onFirst, onSecond);
    // Its headers arrive once the stream is subscribed and knows where it starts: nothing to wait for.
    const sent = ['A', 'B', 'C', 'D', 'E', 'F'];
    for (const name of sent) await publish(buildEvent('user.registered', '/test', { userId: gus.id, email: 'gus@example.com', name }, gus.id));
    for (const stream of [onFirst, onSecond]) {
      const got = await stream.waitFor(6, 10_000);
      assert.equal(got.map((e) => JSON.parse(e.data).message.slice(-2, -1)).sort(), sent);
    }
  } finally {
    await second.stop();
  }
});

notifications('a new notification is read once for all of a user\'s open streams on a replica, and reaches every one of them', async () => {
  const ivy = await signUp('ivy@example.com', 'Ivy');
  await eventually(async () => ((await listFor(ivy.auth)).body.items.length === 1 ? true : undefined), 10_000, 'welcome stored');
  const tabs = await Promise.all(Array.from({ length: 4 }, () => SseClient.open(`${notes.url}/notifications/stream`, ivy.auth)));
  streams.push(...tabs);
  const reads = async (kind: string) => Number(new RegExp(`notifications_stream_reads_total\\{[^}]*kind="${kind}"[^}]*\\} (\\d+)`).exec((await request(`${notes.adminUrl}/metrics`)).text)?.[1] ?? 0);
  const before = { fanout: await reads('fanout'), catchup: await reads('catchup') };
  await publish(buildEvent('user.registered', '/test', { userId: ivy.id, email: 'ivy@example.com', name: 'Ivy again' }, ivy.id));
  for (const tab of tabs) assert.is(JSON.parse((await tab.waitFor(1, 5000))[0]!.data).message, 'Welcome to Switchyard, Ivy again!');
  assert.is((await reads('fanout')) - before.fanout, 1, 'one read for the four streams');
  assert.is((await reads('catchup')) - before.catchup, 0, 'no stream read for itself');
});

notifications('two notifications of a user stored at once: the one committing last with the lower position still reaches the open stream, in order', async () => {
  const hal = await signUp('hal@example.com', 'Hal');
  await eventually(async () => ((await listFor(hal.auth)).body.items.length === 1 ? true : undefined), 10_000, 'welcome stored');
  const stream = await openStream(hal.auth);
  await eventually(async () => (stream.comments.includes('heartbeat') ? true : undefined), 5_000, 'the stream is live');
  const note = (message: string) => ({ userId: hal.id, type: 'welcome', message, eventId: crypto.randomUUID() });
  const pool = new pg.Pool({ connectionString: notesDb.url, max: 2 });
  const [first, second] = await Promise.all([pool.connect(), pool.connect()]);
  try {
    const secondPid = (await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await first.query('BEGIN');
    await insertNotification(first, note('first'));
    await second.query('BEGIN');
    let secondCommitted = false;
    const secondDone = insertNotification(second, note('second'))
      .then(() => second.query('COMMIT'))
      .then(() => void (secondCommitted = true));
    // The second either commits before the first (a position that overtakes it) or waits for it.
    const waiting = async () => (await queryRows(notesDb.url, "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [secondPid])).length === 1;
    await eventually(async () => (secondCommitted || (await waiting()) ? true : undefined), 5_000, 'the second insert committed or waits');
    if (secondCommitted) await stream.waitFor(1);
    await first.query('COMMIT');
    await secondDone;
  } finally {
    first.release();
    second.release();
    await pool.end();
  }
  const got = await stream.waitFor(2, 5_000);
  assert.equal(got.map((e) => JSON.parse(e.data).message), ['first', 'second']);
  assert.is(Number(got[1]!.id), Number(got[0]!.id) + 1);
  const heartbeats = stream.comments.length;
  await eventually(async () => (stream.comments.length > heartbeats ? true : undefined), 5_000, 'another heartbeat');
  assert.is(stream.events.length, 2, 'nothing twice');
});

notifications('stores one notification when the same message is delivered twice', async () => {
  const dee = await signUp('dee@example.com', 'Dee');
  const event = buildEvent('user.registered', '/test', { userId: dee.id, email: 'dee@example.com', name: 'Twice' }, dee.id);
  const before = await consumed(notes.adminUrl);
  await publish(event);
  await publish(event);
  await eventually(async () => ((await consumed(notes.adminUrl)) >= before + 2 ? true : undefined), 5000, 'both deliveries handled');
  assert.is(await countForEvent(event.id), 1);
});

notifications('lists the caller’s own notifications newest first with cursor pages, and refuses anonymous callers', async () => {
  const eve = await signUp('eve@example.com', 'Eve');
  // The welcome comes through users' outbox; the list order is the order in which notifications were stored.
  await eventually(async () => ((await listFor(eve.auth)).body.items.length === 1 ? true : undefined), 10_000, 'welcome stored');
  // One at a time: the consumer handles several deliveries at once, so events published together may be stored in any order.
  for (const [i, name] of ['Two', 'Three', 'Four'].entries()) {
    await publish(buildEvent('user.registered', '/test', { userId: eve.id, email: 'eve@example.com', name }, eve.id));
    await eventually(async () => ((await listFor(eve.auth)).body.items.length === i + 2 ? true : undefined), 5000, `${name} stored`);
  }
  const page1 = await listFor(eve.auth, '?limit=3');
  assert.equal(page1.body.items.map((n: { message: string }) => n.message), [
    'Welcome to Switchyard, Four!',
    'Welcome to Switchyard, Three!',
    'Welcome to Switchyard, Two!',
  ]);
  const page2 = await listFor(eve.auth, `?limit=3&cursor=${page1.body.nextCursor}`);
  assert.equal(page2.body.items.map((n: { message: string }) => n.message), ['Welcome to Switchyard, Eve!']);
  assert.is(page2.body.nextCursor, null);
  const anonymous = await request(`${gateway.url}/api/notifications`);
  assert.is(anonymous.status, 401);
  const anonymousStream = await request(`${gateway.url}/api/notifications/stream`);
  assert.is(anonymousStream.status, 401);
});

notifications('parks an unparseable message and an event failing its schema at once, with the reason', async () => {
  await probe.publish(names.exchange, 'user.registered', 'definitely not json', { messageId: 'bad-1' });
  const invalid = { ...buildEvent('user.registered', '/test', { userId: crypto.randomUUID(), email: 'x@example.com', name: 'X' }), data: { userId: 'nope' } };
  await probe.publish(names.exchange, 'user.registered', invalid, { messageId: invalid.id });
  const parked = await eventually(async () => {
    const depth = await probe.depth(deadLetterQueue(names.queue));
    return depth >= 2 ? probe.drain(deadLetterQueue(names.queue)) : undefined;
  }, 5000, 'both parked');
  const reasons = parked.map((m) => [m.properties.messageId, m.properties.headers!['x-failure-reason'], m.properties.headers!['x-failed-attempts']]);
  assert.equal(reasons, [
    ['bad-1', 'PoisonMessageError: the body is not JSON', 1],
    [invalid.id, 'PoisonMessageError: user.registered data is invalid: userId: Invalid UUID; email: Invalid input: expected string, received undefined; name: Invalid input: expected string, received undefined', 1],
  ]);
});

notifications('a consumer that dies after its transaction but before its ack: the redelivery has no second effect', async () => {
  const fay = await signUp('fay@example.com', 'Fay');
  const queue = `${names.queue}.crash`;
  const exchange = `${names.exchange}.crash`;
  // A consumer of our own on an exchange and queue of their own, so the running service never sees the event.
  const connection = await amqp.connect(amqpUrl());
  const channel = await connection.createChannel();
  await declareEventTopology({ exchange, queue, routingKeys: ['user.registered'], retryDelaysMs: [100] })(channel);
  const event = buildEvent('user.registered', '/test', { userId: fay.id, email: 'fay@example.com', name: 'Crash' }, fay.id);
  const pool = createPool(notesDb.url, log, { applicationName: 'crashing-consumer' });
  const effectDone = new Promise<void>((resolve) => {
    void channel.consume(queue, async (message) => {
      // The service's own effect, committed...
      assert.is(await storeNotificationOnce(pool, parseEvent(message!.content)), 'processed');
      resolve();
    });
  });
  await probe.publish(exchange, event.type, event, { messageId: event.id, type: event.type });
  await effectDone;
  // ...and the process dies before acking: the broker gets the message back.
  await connection.close();
  await pool.end();
  assert.is(await countForEvent(event.id), 1);

  const restarted = await startNotes(queue, exchange);
  try {
    await eventually(async () => ((await consumed(restarted.adminUrl, queue)) === 1 ? true : undefined), 5000, 'the redelivery was handled');
    assert.is(await countForEvent(event.id), 1);
    const inbox = await queryRows<{ n: string }>(notesDb.url, 'SELECT count(*) AS n FROM inbox WHERE message_id = $1', [event.id]);
    assert.is(inbox[0]!.n, '1');
  } finally {
    await restarted.stop();
  }
});

notifications.run();
