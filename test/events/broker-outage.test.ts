import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startRabbitMq, type RabbitMqServer } from '@switchyard/devstack/rabbitmq-server';
import { stopService } from '@switchyard/kit/lifecycle';
import { readConfig as readNotificationsConfig } from '@switchyard/notifications/config';
import { startNotifications } from '@switchyard/notifications/service';
import { eventually } from '../support/broker.js';
import { freshDatabase, queryRows } from '../support/database.js';
import { request } from '../support/http.js';
import { ed25519Pem } from '../support/keys.js';
import { capturedLogger } from '../support/logs.js';
import { freePort } from '../support/ports.js';
import { startTestUsers, type TestService } from '../support/services.js';

const outage = suite('a RabbitMQ outage loses nothing');
const { log } = capturedLogger('outage-test');
let dataDir: string;
let ports: { port: number; epmdPort: number; distPort: number };
let broker: RabbitMqServer | undefined;
let usersDb: Awaited<ReturnType<typeof freshDatabase>>;
let notesDb: Awaited<ReturnType<typeof freshDatabase>>;
let users: TestService;
let stopNotes: () => Promise<void>;

// A broker of its own, so this suite can stop and start it.
const startBroker = async () => {
  broker = await startRabbitMq({ dataDir, ...ports, allowInstall: true, log });
  return broker;
};

outage.before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'switchyard-outage-'));
  ports = { port: await freePort(), epmdPort: await freePort(), distPort: await freePort() };
  const { url } = await startBroker();
  [usersDb, notesDb] = await Promise.all([freshDatabase('users_outage'), freshDatabase('notes_outage')]);
  const fastReconnect = { AMQP_RECONNECT_MAX_MS: '1000', EVENTS_EXCHANGE: 'switchyard.events' };
  users = await startTestUsers(usersDb.url, ed25519Pem(), log, { AMQP_URL: url, OUTBOX_POLL_INTERVAL_MS: '200', ...fastReconnect });
  const notes = await startNotifications(
    readNotificationsConfig({ HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', ADMIN_PORT: '0', AUTH_URL: users.url, DATABASE_URL: notesDb.url, AMQP_URL: url, ...fastReconnect }),
    log,
  );
  stopNotes = () => stopService(notes);
});

outage.after(async () => {
  await stopNotes?.();
  await users?.stop();
  await broker?.stop();
  await Promise.all([usersDb?.drop(), notesDb?.drop()]);
  await rm(dataDir, { recursive: true, force: true });
});

const welcomes = async () => Number((await queryRows<{ n: string }>(notesDb.url, "SELECT count(*) AS n FROM notifications WHERE type = 'welcome'"))[0]!.n);

outage('stop the broker, register three users, start it again: all three welcome notifications arrive', async () => {
  // The queue exists and works before the outage.
  assert.is((await request(`${users.url}/users`, { method: 'POST', json: { email: 'before@example.com', password: 'long enough pw', name: 'Before' } })).status, 201);
  await eventually(async () => ((await welcomes()) === 1 ? true : undefined), 15_000, 'the first welcome');

  await broker!.stop();
  broker = undefined;
  for (const name of ['One', 'Two', 'Three']) {
    const res = await request(`${users.url}/users`, { method: 'POST', json: { email: `${name.toLowerCase()}@example.com`, password: 'long enough pw', name } });
    assert.is(res.status, 201, 'registration works while the broker is down');
  }
  const pending = await queryRows<{ n: string }>(usersDb.url, 'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL');
  assert.is(pending[0]!.n, '3');
  const readiness = await request(`${users.adminUrl}/readyz`);
  assert.equal([readiness.status, readiness.body.checks], [200, { database: 'up', broker: 'down' }]);

  await startBroker();
  await eventually(async () => ((await welcomes()) === 4 ? true : undefined), 30_000, 'all welcomes after the broker returned');
  // Consumers handle up to a prefetch of messages at once, so the order of creation may differ.
  const names = await queryRows<{ message: string }>(notesDb.url, "SELECT message FROM notifications WHERE type = 'welcome' ORDER BY message");
  assert.equal(names.map((n) => n.message), [
    'Welcome to Switchyard, Before!',
    'Welcome to Switchyard, One!',
    'Welcome to Switchyard, Three!',
    'Welcome to Switchyard, Two!',
  ]);
});

outage.run();
