import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { PgListener } from '@switchyard/kit/pg-listener';
import { eventually } from '../support/broker.js';
import { freshDatabase } from '../support/database.js';
import { capturedLogger } from '../support/logs.js';
import { blackHole, withinDeadline } from '../support/tcp.js';

const listener = suite('PgListener');
const { log } = capturedLogger('pg-listener-test');
// The budget a stop gets here: what a service's shutdown would give it, far more than it needs.
const STOP_DEADLINE_MS = 1000;

function listen(databaseUrl: string, onNotify: (payload: string | undefined) => void = () => undefined, onListening: () => void = () => undefined) {
  return new PgListener({ databaseUrl, channel: 'things', applicationName: 'pg-listener-test', log, onNotify, onListening, connectTimeoutMs: 60_000 });
}

listener('hears NOTIFY on its channel, and stop() ends the connection', async () => {
  const db = await freshDatabase('listener');
  const heard: Array<string | undefined> = [];
  let listening = false;
  const subject = listen(db.url, (payload) => heard.push(payload), () => (listening = true));
  try {
    await eventually(async () => (listening ? true : undefined), 5000, 'LISTEN');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query("SELECT pg_notify('things', 'one')");
    await client.end();
    await eventually(async () => (heard.length === 1 ? true : undefined), 5000, 'the notification');
    assert.equal(heard, ['one']);
  } finally {
    await withinDeadline(subject.stop(), STOP_DEADLINE_MS, 'stop()');
    await db.drop();
  }
});

listener('stop() returns at once while the connection is still being made to a server that accepted TCP and never answers', async () => {
  const hole = await blackHole();
  const subject = listen(`postgres://nobody:secret@127.0.0.1:${hole.port}/things`);
  try {
    await eventually(async () => (hole.connections() > 0 ? true : undefined), 5000, 'the connection attempt');
    await withinDeadline(subject.stop(), STOP_DEADLINE_MS, 'stop() during connect');
  } finally {
    await hole.close();
  }
});

listener('stop() returns at once while it waits to reconnect', async () => {
  const hole = await blackHole();
  await hole.close(); // a port where nothing listens any more: every attempt fails and backs off
  const captured = capturedLogger('pg-listener-backoff');
  const subject = new PgListener({
    databaseUrl: `postgres://nobody:secret@127.0.0.1:${hole.port}/things`,
    channel: 'things',
    applicationName: 'pg-listener-test',
    log: captured.log,
    onNotify: () => undefined,
    onListening: () => undefined,
    // A pause far longer than the deadline: only an abortable pause lets stop() meet it.
    reconnect: { initialMs: 60_000, maxMs: 60_000 },
  });
  await eventually(async () => (captured.lines.some((l) => l.includes('LISTEN connection could not start')) ? true : undefined), 5000, 'the failed attempt');
  await withinDeadline(subject.stop(), STOP_DEADLINE_MS, 'stop() during the reconnect pause');
});

listener.run();
