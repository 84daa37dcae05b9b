/**
 * The system's event path end to end, with the kit of the side being measured, in three processes: a
 * producer (events-producer.ts) commits one event per transaction into the outbox (enqueueOutbox, as
 * users and orders do); this process runs the OutboxRelay on that outbox, as a producing service does;
 * a consumer (events-consumer.ts: registerEventConsumer) applies each event once through the inbox
 * (processOnce), as catalog and notifications do. The load comes from its own process so that what is
 * measured is the path, not one event loop busy writing.
 *
 * env: KIT_ROOT, ADMIN_DATABASE_URL (a fresh database is made there and dropped), AMQP_URL, PREFETCH,
 * MODE=rate (RATE events/s committed open loop for DURATION_S; latency from each commit to the commit
 * of its effect) or MODE=drain (EVENTS rows already in the outbox when relay and consumer start: the
 * rate at which the path empties it, i.e. its saturation). CONSUMER_NODE_ARGS: node flags for the consumer.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { LatencyRecorder } from '@switchyard/loadgen/latency';
import { deleteTopology, printResult, requiredEnv, settledWithin } from './io.js';

const root = requiredEnv('KIT_ROOT');
const mode = requiredEnv('MODE');
const kit = (module: string) => import(pathToFileURL(join(root, 'packages/kit/src', `${module}.ts`)).href);
const [{ AmqpConnection }, { OutboxRelay }, migrations, { migrate }, { createPool, withTransaction }, { createLogger }] = await Promise.all(
  ['amqp-connection', 'outbox', 'kit-migrations', 'migrate', 'postgres', 'log'].map(kit),
);
const now = () => performance.timeOrigin + performance.now();

const log = createLogger({ service: 'bench-events', level: 'warn' });
const tag = randomBytes(4).toString('hex');
const database = `bench_events_${tag}`;
const admin = new pg.Client({ connectionString: requiredEnv('ADMIN_DATABASE_URL') });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
const url = new URL(requiredEnv('ADMIN_DATABASE_URL'));
url.pathname = `/${database}`;

const cleanUps: Array<() => Promise<void>> = [];
try {
  const pool = createPool(url.href, log, { applicationName: 'bench-relay' });
  cleanUps.push(() => pool.end());
  await migrate(pool, [migrations.OUTBOX_MIGRATIONS, migrations.INBOX_MIGRATIONS], log);
  await pool.query('CREATE TABLE effects (event_id uuid PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');

  const exchange = `bench.${tag}.events`;
  const committedAt = new Map<string, number>();
  const appliedAt = new Map<string, number>();
  let allApplied: () => void = () => undefined;
  let expected = Number.POSITIVE_INFINITY;
  const applied = new Promise<void>((resolve) => (allApplied = resolve));

  const child = (script: string, env: Record<string, string>) => {
    const process_ = fork(join(import.meta.dirname, script), [], {
      // CONSUMER_NODE_ARGS / PRODUCER_NODE_ARGS: extra node flags, e.g. `--cpu-prof --cpu-prof-dir=…` to profile one.
      execArgv: ['--import', 'tsx', '--conditions=development', ...(process.env[`${script.includes('consumer') ? 'CONSUMER' : 'PRODUCER'}_NODE_ARGS`]?.split(' ').filter(Boolean) ?? [])],
      env: { ...process.env, DATABASE_URL: url.href, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<void>((resolve) => process_.once('exit', () => resolve()));
    cleanUps.push(async () => {
      if (process_.connected) process_.send({ stop: true });
      const timer = setTimeout(() => process_.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    });
    const ready = new Promise<void>((resolve, reject) => {
      process_.on('message', (message: { ready?: boolean }) => void (message.ready && resolve()));
      void exited.then(() => reject(new Error(`${script} exited`)));
    });
    return { process: process_, ready };
  };
  const consumer = child('events-consumer.ts', { EXCHANGE: exchange, QUEUE: `bench.${tag}`, PREFETCH: process.env.PREFETCH ?? '16' });
  consumer.process.on('message', (message: { applied?: Array<[string, number]> }) => {
    for (const [id, at] of message.applied ?? []) appliedAt.set(id, at);
    if (appliedAt.size >= expected) allApplied();
  });
  // The consumer declares its queue and binds it; nothing is published before that.
  await consumer.ready;
  const publisher = new AmqpConnection({ url: requiredEnv('AMQP_URL'), connectionName: `bench-relay-${tag}`, log });
  publisher.start();
  cleanUps.unshift(() => publisher.close());
  await publisher.whenConnected();
  const relay = () =>
    new OutboxRelay({ pool: pool, databaseUrl: url.href, amqp: publisher, exchange, log, pollIntervalMs: 1000, batchSize: 100, retentionMs: 3_600_000 }).start();
  const waitApplied = (timeoutMs: number) => settledWithin(applied, timeoutMs);

  if (mode === 'drain') {
    const events = Number(requiredEnv('EVENTS'));
    expected = events;
    await pool.query(
      `INSERT INTO outbox (id, routing_key, payload, headers)
       SELECT id, 'bench.happened', jsonb_build_object('specversion', '1.0', 'id', id, 'type', 'bench.happened', 'source', '/bench', 'time', now(), 'data', jsonb_build_object('n', n)), '{}'
       FROM (SELECT gen_random_uuid() AS id, n FROM generate_series(1, $1::int) n) rows`,
      [events],
    );
    const started = now();
    const running = relay();
    cleanUps.unshift(() => running.stop());
    const done = await waitApplied(300_000);
    const last = Math.max(...appliedAt.values());
    printResult({ eventsPerSecond: (appliedAt.size * 1000) / ((done ? last : now()) - started), applied: appliedAt.size, events });
  } else {
    const rate = Number(requiredEnv('RATE'));
    const durationMs = Number(requiredEnv('DURATION_S')) * 1000;
    const running = relay();
    cleanUps.unshift(() => running.stop());
    const producer = child('events-producer.ts', { RATE: String(rate), DURATION_S: String(durationMs / 1000) });
    const produced = new Promise<{ errors: number; lateStarts: number }>((resolve) => {
      producer.process.on('message', (message: { committed?: Array<[string, number]>; done?: { errors: number; lateStarts: number } }) => {
        for (const [id, at] of message.committed ?? []) committedAt.set(id, at);
        if (message.done) resolve(message.done);
      });
    });
    await producer.ready;
    const started = now();
    producer.process.send({ start: true });
    const loop = await produced;
    const errors = loop.errors;
    const windowEnd = now();
    const appliedInWindow = [...appliedAt.values()].filter((t) => t <= windowEnd).length;
    const backlog = committedAt.size - appliedInWindow;
    expected = committedAt.size;
    if (appliedAt.size >= expected) allApplied();
    await waitApplied(60_000);
    const latency = new LatencyRecorder();
    for (const [id, committed] of committedAt) {
      const effect = appliedAt.get(id);
      if (effect !== undefined) latency.record(effect - committed);
    }
    const l = latency.summary();
    printResult({
      offered: rate,
      eventsPerSecond: (appliedInWindow * 1000) / (windowEnd - started),
      p50: l.p50,
      p99: l.p99,
      max: l.max,
      backlogAtEnd: backlog,
      lost: committedAt.size - appliedAt.size,
      errors,
      lateStarts: loop.lateStarts,
    });
  }
} finally {
  for (const cleanUp of cleanUps) await cleanUp().catch(() => undefined);
  await deleteTopology(requiredEnv('AMQP_URL'), `bench.${tag}`, `bench.${tag}.events`).catch(() => undefined);
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
}
