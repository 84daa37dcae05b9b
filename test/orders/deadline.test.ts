import { randomUUID } from 'node:crypto';
import { Server, ServerCredentials, status, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { catalogV1 } from '@switchyard/contracts/grpc-contracts';
import { eventually } from '../support/broker.js';
import { freshDatabase, queryRows } from '../support/database.js';
import { request } from '../support/http.js';
import { capturedLogger } from '../support/logs.js';
import { startTestGateway, startTestOrders, startTestUsers, type TestService } from '../support/services.js';

const deadlines = suite('deadlines travel: the gateway\'s route budget bounds orders\' gRPC calls');
const { log } = capturedLogger('deadline-test');
const dbs: Record<string, Awaited<ReturnType<typeof freshDatabase>>> = {};
const svc: Record<string, TestService> = {};
const BUDGET_MS = 300;
/** How far past the budget a travelled deadline may end on a busy machine (see the test). */
const DRIFT_MS = 100;
const SLEEP_MS = 1_000;

/** What the slow catalog saw of each call. */
interface SeenCall {
  receivedAt: number;
  deadline: number;
  cancelledAt?: number;
  /** Whether the cancellation came while the call was still working (before its second was up). */
  cancelledWhileWorking?: boolean;
  answered: boolean;
}
const seen: SeenCall[] = [];
let catalog: Server;

/**
 * A catalog whose GetProduct takes a second: a real gRPC server serving switchyard.catalog.v1.Catalog,
 * written with grpc-js directly so the test can see each call's deadline and its cancellation (the
 * kit's handlers get neither). A test double only in that it sleeps; orders calls it as it calls catalog.
 */
async function startSlowCatalog(): Promise<string> {
  catalog = new Server();
  const unimplemented = (_: unknown, callback: sendUnaryData<unknown>) => callback({ code: status.UNIMPLEMENTED, details: 'not in this test' });
  catalog.addService(catalogV1().Catalog.service, {
    GetProduct: (call: ServerUnaryCall<{ id: string }, unknown>, callback: sendUnaryData<unknown>) => {
      const entry: SeenCall = { receivedAt: Date.now(), deadline: new Date(call.getDeadline()).getTime(), answered: false };
      seen.push(entry);
      call.once('cancelled', () => {
        entry.cancelledAt = Date.now();
        entry.cancelledWhileWorking = !entry.answered;
      });
      setTimeout(() => {
        entry.answered = true;
        callback(null, { id: call.request.id, name: 'Slow', description: '', priceCents: 100, currency: 'EUR', stock: 5 });
      }, SLEEP_MS);
    },
    ReserveStock: unimplemented,
    ReleaseStock: unimplemented,
  });
  const port = await new Promise<number>((resolve, reject) => catalog.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return `127.0.0.1:${port}`;
}

deadlines.before(async () => {
  for (const name of ['users', 'orders']) dbs[name] = await freshDatabase(`${name}_dl`);
  svc.users = await startTestUsers(dbs.users!.url, undefined, log);
  const catalogAddress = await startSlowCatalog();
  // Payments is never reached in this suite; its target only has to be well-formed.
  svc.orders = await startTestOrders(dbs.orders!.url, log, { users: svc.users.grpcAddress, catalog: catalogAddress, payments: '127.0.0.1:9' });
  svc.gateway = await startTestGateway(svc.users.url, log, { ORDERS_URL: svc.orders.url, UPSTREAM_TIMEOUT_MS: String(BUDGET_MS) });
});

deadlines.after(async () => {
  for (const name of ['gateway', 'orders', 'users']) await svc[name]?.stop();
  catalog?.forceShutdown();
  for (const db of Object.values(dbs)) await db.drop();
});

deadlines('a 300 ms route budget and a catalog that takes 1 s: orders gives up inside the budget, answers 504, and catalog sees the call cancelled', async () => {
  const email = `deadline-${Date.now()}@example.com`;
  await request(`${svc.gateway!.url}/api/users`, { method: 'POST', json: { email, password: 'long enough pw', name: 'Budget' } });
  const session = await request(`${svc.gateway!.url}/api/sessions`, { method: 'POST', json: { email, password: 'long enough pw' } });
  const sent = Date.now();
  const res = await request(`${svc.gateway!.url}/api/orders`, {
    method: 'POST',
    json: { items: [{ productId: randomUUID(), quantity: 1 }] },
    headers: { authorization: `Bearer ${session.body.token}`, 'idempotency-key': randomUUID() },
  });
  const answered = Date.now();
  // A 504 within the budget, not after the catalog's second: orders' own ("The catalog service did not
  // answer in time.", its deadline comes first by the margin) or, should orders' answer be later than
  // the margin allows, the gateway's ("The orders service did not answer within 300 ms.").
  assert.is(res.status, 504);
  assert.is(res.body.code, 'upstream_timeout');
  assert.ok(answered - sent < SLEEP_MS, `answered after ${answered - sent} ms`);
  assert.is(seen.length, 1);
  const call = seen[0]!;
  // The budget travelled: the deadline catalog got ends with the gateway's budget, not orders' own 2 s
  // default. A budget travels as a duration (like grpc-timeout), so the time a request waits in a busy
  // process between two hops is not counted; DRIFT_MS allows for that on a loaded machine (a CPU hog
  // here made it 5 ms past the budget).
  assert.ok(call.deadline <= sent + BUDGET_MS + DRIFT_MS, `catalog's deadline is ${call.deadline - sent} ms after the request was sent`);
  // And catalog saw the call go away while it was still working on it.
  await eventually(async () => call.cancelledAt, 2_000, 'the cancellation at catalog');
  assert.ok(call.cancelledAt! <= answered, 'catalog saw the cancellation before the client had its answer');
  assert.is(call.cancelledWhileWorking, true);
  // Nothing was left behind: the Idempotency-Key was released, no order exists.
  assert.equal(await queryRows(dbs.orders!.url, 'SELECT count(*)::int AS n FROM orders'), [{ n: 0 }]);
});

deadlines.run();
