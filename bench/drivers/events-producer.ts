/**
 * The writing side of events-pipeline.ts, in a process of its own: on `start`, commits one event per
 * transaction into the outbox (enqueueOutbox, with the kit of the side being measured) at RATE per
 * second for DURATION_S, open loop. Reports `[eventId, committedAtEpochMs]` pairs to its parent over IPC
 * every 100 ms, then `done` with its errors and late starts.
 *
 * env: KIT_ROOT, DATABASE_URL, RATE, DURATION_S
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import { runOpenLoop } from '@switchyard/loadgen/loops';
import { requiredEnv } from './io.js';

const kit = (module: string) => import(pathToFileURL(join(requiredEnv('KIT_ROOT'), 'packages/kit/src', `${module}.ts`)).href);
const [{ enqueueOutbox }, { createPool, withTransaction }, { createLogger }] = await Promise.all(['outbox', 'postgres', 'log'].map(kit));
const log = createLogger({ service: 'bench-producer', level: 'warn' });
const pool = createPool(requiredEnv('DATABASE_URL'), log, { applicationName: 'bench-producer' });
const now = () => performance.timeOrigin + performance.now();
let committed: Array<[string, number]> = [];
const flush = () => {
  if (committed.length > 0) process.send!({ committed });
  committed = [];
};

process.on('message', async (message: { start?: boolean; stop?: boolean }) => {
  if (message.stop) return void process.disconnect();
  if (!message.start) return;
  const timer = setInterval(flush, 100);
  let errors = 0;
  const loop = await runOpenLoop({
    rate: Number(requiredEnv('RATE')),
    durationMs: Number(requiredEnv('DURATION_S')) * 1000,
    maxInFlight: 64,
    task: async () => {
      const id = randomUUID();
      await withTransaction(pool, (tx: pg.PoolClient) =>
        enqueueOutbox(tx, { id, routingKey: 'bench.happened', payload: { specversion: '1.0', id, type: 'bench.happened', source: '/bench', time: new Date().toISOString(), data: {} } }),
      );
      committed.push([id, now()]);
      return { outcome: 'committed', ok: true };
    },
    onDone: (_, outcome) => void (outcome.ok || (errors += 1)),
  });
  clearInterval(timer);
  flush();
  process.send!({ done: { errors, lateStarts: loop.lateStarts } });
  await pool.end();
  process.disconnect();
});
process.send!({ ready: true });
