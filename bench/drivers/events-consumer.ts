/**
 * The consuming side of events-pipeline.ts, in a process of its own as in the system (a consumer is
 * another service): registerEventConsumer with the kit of the side being measured, each event applied
 * once through the inbox (processOnce). Reports `[eventId, appliedAtEpochMs]` pairs to its parent over
 * IPC every 100 ms; `ready` once its queue is declared and bound; stops on `stop`.
 *
 * env: KIT_ROOT, DATABASE_URL, AMQP_URL, EXCHANGE, QUEUE, PREFETCH
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import { requiredEnv } from './io.js';

const root = requiredEnv('KIT_ROOT');
const kit = (module: string) => import(pathToFileURL(join(root, 'packages/kit/src', `${module}.ts`)).href);
const [{ AmqpConnection }, { registerEventConsumer }, { processOnce }, { createPool }, { createLogger }] = await Promise.all(
  ['amqp-connection', 'event-consumer', 'inbox', 'postgres', 'log'].map(kit),
);
const log = createLogger({ service: 'bench-consumer', level: 'warn' });
const pool = createPool(requiredEnv('DATABASE_URL'), log, { applicationName: 'bench-consumer' });
const now = () => performance.timeOrigin + performance.now();
let applied: Array<[string, number]> = [];

const connection = new AmqpConnection({ url: requiredEnv('AMQP_URL'), connectionName: 'bench-consumer', log });
registerEventConsumer({
  connection,
  topology: { exchange: requiredEnv('EXCHANGE'), queue: requiredEnv('QUEUE'), routingKeys: ['bench.happened'], retryDelaysMs: [1000] },
  prefetch: Number(requiredEnv('PREFETCH')),
  maxAttempts: 5,
  decode: (content: Buffer) => JSON.parse(content.toString()) as { id: string; type: string },
  handle: async (event: { id: string }) => {
    await processOnce(pool, 'bench', event.id, async (tx: pg.PoolClient) => {
      await tx.query('INSERT INTO effects (event_id) VALUES ($1)', [event.id]);
    });
    applied.push([event.id, now()]);
  },
  log,
});
connection.start();
await connection.whenConnected();
const flush = () => {
  if (applied.length === 0) return;
  process.send!({ applied });
  applied = [];
};
const timer = setInterval(flush, 100);
process.send!({ ready: true });
process.on('message', (message: { stop?: boolean }) => {
  if (!message.stop) return;
  clearInterval(timer);
  flush();
  void connection.close().then(() => pool.end()).then(() => process.disconnect());
});
