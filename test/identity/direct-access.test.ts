/**
 * A client that reaches a service's port directly (past the gateway) gets nothing it could not get
 * through the gateway: a header claiming an identity is ignored, only a valid token counts.
 */
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SERVICE_NAMES, catalogV1 } from '@switchyard/contracts/grpc-contracts';
import { GrpcClient } from '@switchyard/kit/grpc-client';
import { freshDatabase } from '../support/database.js';
import { grpcFailure } from '../support/grpc.js';
import { request } from '../support/http.js';
import { testIssuer } from '../support/identity.js';
import { capturedLogger } from '../support/logs.js';
import { startTestCatalog, startTestNotifications, startTestOrders, type TestService } from '../support/services.js';

const direct = suite('direct access to a service port, past the gateway');
const { log } = capturedLogger('direct-access');
const victim = randomUUID();
const dbs: Array<Awaited<ReturnType<typeof freshDatabase>>> = [];
let orders: TestService;
let notifications: TestService;
let catalog: TestService;

direct.before(async () => {
  for (const name of ['orders_direct', 'notes_direct', 'catalog_direct']) dbs.push(await freshDatabase(name));
  const nowhere = '127.0.0.1:1';
  orders = await startTestOrders(dbs[0]!.url, log, { users: nowhere, catalog: nowhere, payments: nowhere });
  notifications = await startTestNotifications(dbs[1]!.url, log);
  catalog = await startTestCatalog(dbs[2]!.url, log);
});

direct.after(async () => {
  for (const service of [orders, notifications, catalog]) await service?.stop();
  for (const db of dbs) await db.drop();
});

direct('orders and notifications answer 401 to a forged identity header, and serve a valid user token', async () => {
  const token = await (await testIssuer()).userToken(victim);
  for (const url of [`${orders.url}/orders`, `${notifications.url}/notifications`]) {
    const forged = await request(url, { headers: { 'x-switchyard-user-id': victim } });
    assert.equal([forged.status, forged.body.code], [401, 'missing_token'], url);
    const garbage = await request(url, { headers: { authorization: 'Bearer not.a.token' } });
    assert.equal([garbage.status, garbage.body.code], [401, 'invalid_token'], url);
    const real = await request(url, { headers: { authorization: `Bearer ${token}` } });
    assert.equal([real.status, real.body], [200, { items: [], nextCursor: null }], url);
  }
  const placed = await request(`${orders.url}/orders`, {
    method: 'POST',
    json: { items: [{ productId: '5eed0000-0000-4000-8000-000000000001', quantity: 1 }] },
    headers: { 'x-switchyard-user-id': victim, 'idempotency-key': 'k' },
  });
  assert.equal([placed.status, placed.body.code], [401, 'missing_token']);
});

direct('catalog refuses ReserveStock and ReleaseStock without a service token of orders', async () => {
  const issuer = await testIssuer();
  const as = (token?: () => Promise<string>) =>
    new GrpcClient(catalogV1().Catalog, { dependency: 'catalog', serviceName: SERVICE_NAMES.catalog, target: `ipv4:${catalog.grpcAddress}`, deadlineMs: 5000, maxAttempts: 1, ...(token ? { token } : {}) });
  const anonymous = as();
  const gateway = as(() => issuer.serviceToken('gateway', 'catalog'));
  try {
    const reserve = { orderId: randomUUID(), items: [{ productId: '5eed0000-0000-4000-8000-000000000001', quantity: 40 }] };
    assert.equal((await grpcFailure(anonymous.call('ReserveStock', reserve))).grpcStatus, 'UNAUTHENTICATED');
    assert.equal((await grpcFailure(gateway.call('ReserveStock', reserve))).grpcStatus, 'PERMISSION_DENIED');
    assert.equal((await grpcFailure(anonymous.call('ReleaseStock', { orderId: reserve.orderId }))).grpcStatus, 'UNAUTHENTICATED');
    const stock = await request(`${catalog.url}/products/5eed0000-0000-4000-8000-000000000001`);
    assert.is(stock.body.stock, 40, 'nothing was reserved');
  } finally {
    anonymous.close();
    gateway.close();
  }
});

direct.run();
