import { status } from '@grpc/grpc-js';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isConnectionLoss } from '@switchyard/kit/connection-loss';
import { toServiceError } from '@switchyard/kit/grpc-status';
import { toProblem } from '@switchyard/kit/problem';
import { freshDatabase } from '../support/database.js';

const lost = suite('a lost database connection is a retriable outage (503, UNAVAILABLE), not an internal error');
let db: Awaited<ReturnType<typeof freshDatabase>>;

lost.before(async () => {
  db = await freshDatabase('connection_loss');
});

lost.after(async () => {
  await db.drop();
});

/** The error a query gets when Postgres ends its backend (what a killed sibling backend causes for every connection). */
async function terminatedQueryError(): Promise<unknown> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  client.on('error', () => undefined);
  try {
    await client.query('SELECT pg_terminate_backend(pg_backend_pid())');
  } catch (err) {
    return err;
  } finally {
    await client.end().catch(() => undefined);
  }
  throw new Error('the query survived its backend');
}

lost('a terminated backend becomes 503 database_unavailable with Retry-After, over HTTP', async () => {
  const err = await terminatedQueryError();
  assert.is((err as { code?: string }).code, '57P01');
  assert.ok(isConnectionLoss(err));
  const { problem, headers } = toProblem(err);
  assert.equal([problem.status, problem.code, problem.detail, headers], [503, 'database_unavailable', 'The database connection was lost; retry shortly.', { 'retry-after': '1' }]);
});

lost('a terminated backend becomes UNAVAILABLE over gRPC (retried by the clients\' policy)', async () => {
  const serviceError = toServiceError(await terminatedQueryError());
  assert.equal([serviceError.code, serviceError.details, serviceError.metadata?.get('switchyard-error-code')], [status.UNAVAILABLE, 'The database connection was lost; retry shortly.', ['database_unavailable']]);
});

lost('a refused connection and a connection ended under a query are losses; a bad statement is not', async () => {
  const refused = await new pg.Client({ connectionString: 'postgres://nobody@127.0.0.1:1/none' }).connect().catch((err: unknown) => err);
  assert.ok(isConnectionLoss(refused), String(refused));
  assert.ok(isConnectionLoss(new Error('Connection terminated unexpectedly')));
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const syntax = await client.query('SELEC 1').catch((err: unknown) => err);
  await client.end();
  assert.not.ok(isConnectionLoss(syntax));
  assert.equal([toProblem(syntax).problem.status, toProblem(syntax).problem.code], [500, 'internal']);
});

lost.run();
