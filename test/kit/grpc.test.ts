import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SERVICE_NAMES, usersV1, type UsersDefinition } from '@switchyard/contracts/grpc-contracts';
import { AppError, NotFoundError, ValidationError } from '@switchyard/kit/errors';
import { GrpcClient } from '@switchyard/kit/grpc-client';
import type { ServiceHandlers } from '@switchyard/kit/grpc-server';
import { createHttpApp, listen, boundPort, closeServer } from '@switchyard/kit/http-service';
import { createMetrics } from '@switchyard/kit/metrics';
import { Readiness } from '@switchyard/kit/readiness';
import { healthStatus, startGrpcServer } from '../support/grpc.js';
import { request } from '../support/http.js';
import { capturedLogger } from '../support/logs.js';

const grpc = suite('kit gRPC server and client');
const { Users } = usersV1();
const { log, lines } = capturedLogger('grpc-test');
const servers: Array<{ server: { shutdown(ms: number): Promise<void> } }> = [];

/** A Users server whose GetUser answers with the replica's name after an optional delay. */
async function replica(name: string, behaviour: (id: string) => Promise<void> = async () => undefined) {
  const handlers: ServiceHandlers<UsersDefinition> = {
    GetUser: async ({ id }) => {
      await behaviour(id);
      return { id, email: `${name}@example.com`, name };
    },
  };
  const started = await startGrpcServer(log, SERVICE_NAMES.users, Users.service, handlers);
  servers.push(started);
  return started;
}

function client(target: string, deadlineMs = 2000): GrpcClient<UsersDefinition> {
  return new GrpcClient(Users, { dependency: 'users', serviceName: SERVICE_NAMES.users, target, deadlineMs, maxAttempts: 4 });
}

grpc.after.each(async () => {
  await Promise.all(servers.splice(0).map((s) => s.server.shutdown(1000)));
});

grpc('answers a call and reports SERVING on the standard health service', async () => {
  const { address } = await replica('a');
  const users = client(`ipv4:${address}`);
  assert.equal(await users.call('GetUser', { id: 'u1' }), { id: 'u1', email: 'a@example.com', name: 'a' });
  assert.is(await healthStatus(address), 'SERVING');
  assert.is(await healthStatus(address, SERVICE_NAMES.users), 'SERVING');
  users.close();
});

grpc('turns a thrown AppError into the same AppError at the caller, extensions included', async () => {
  const { address } = await replica('a', async (id) => {
    if (id === 'missing') throw new NotFoundError('user_not_found', 'No user with id missing.');
    if (id === 'bad') throw new ValidationError([{ field: 'id', message: 'must be a UUID' }]);
    if (id === 'crash') throw new Error('db password is hunter2');
  });
  const users = client(`ipv4:${address}`);
  const failure = async (id: string): Promise<AppError> => {
    try {
      await users.call('GetUser', { id });
    } catch (err) {
      return err as AppError;
    }
    throw new Error(`GetUser(${id}) should have failed`);
  };

  const missing = await failure('missing');
  assert.instance(missing, AppError);
  assert.equal([missing.status, missing.code, missing.message], [404, 'user_not_found', 'No user with id missing.']);
  const bad = await failure('bad');
  assert.equal([bad.status, bad.code], [400, 'validation_failed']);
  assert.equal(bad.extensions, { errors: [{ field: 'id', message: 'must be a UUID' }] });
  const crash = await failure('crash');
  assert.equal([crash.status, crash.code, crash.message], [502, 'upstream_failed', 'The users service failed.']);
  assert.not.match(JSON.stringify(crash.cause), /hunter2/);
  users.close();
});

grpc('surfaces a NOT_FOUND of a dependency as a 404 problem at the HTTP edge, untranslated at the call site', async () => {
  const { address } = await replica('a', async () => {
    throw new NotFoundError('user_not_found', 'No user with id x.');
  });
  const users = client(`ipv4:${address}`);
  const app = createHttpApp({
    log,
    metrics: createMetrics('edge'),
    readiness: new Readiness(),
    bodyLimitBytes: 1024,
    routes: (router) => router.get('/profile/:id', async (ctx) => void (ctx.body = await users.call('GetUser', { id: ctx.params.id }))),
  });
  const server = await listen(app, 0, '127.0.0.1');
  try {
    const res = await request(`http://127.0.0.1:${boundPort(server)}/profile/x`);
    assert.is(res.status, 404);
    assert.is(res.body.code, 'user_not_found');
    assert.is(res.body.detail, 'No user with id x.');
  } finally {
    await closeServer(server);
    users.close();
  }
});

grpc('fails a call to a slow server with DEADLINE_EXCEEDED at its deadline, not when the server answers', async () => {
  const { address } = await replica('slow', () => sleep(3000));
  const users = client(`ipv4:${address}`, 200);
  const started = Date.now();
  const err = (await users.call('GetUser', { id: 'u' }).catch((e: unknown) => e)) as AppError;
  const elapsed = Date.now() - started;
  assert.equal([err.status, err.code], [504, 'upstream_timeout']);
  assert.is((err.cause as { code: number }).code, 4, 'grpc status DEADLINE_EXCEEDED');
  assert.ok(elapsed < 2000, `failed after ${elapsed} ms, long before the server's 3000 ms answer`);
  users.close();
});

grpc('spreads 200 calls over two replicas with round robin, each serving at least 30%', async () => {
  const a = await replica('a');
  const b = await replica('b');
  const users = client(`ipv4:${a.address},${b.address}`);
  const counts: Record<string, number> = { a: 0, b: 0 };
  for (let i = 0; i < 200; i++) counts[(await users.call('GetUser', { id: String(i) })).name]! += 1;
  assert.ok(counts.a! >= 60 && counts.b! >= 60, `a=${counts.a} b=${counts.b}`);
  users.close();
});

grpc('keeps every call succeeding when one of two replicas dies mid-run (retry and re-pick)', async () => {
  const a = await replica('a', () => sleep(5));
  const b = await replica('b', () => sleep(5));
  const users = client(`ipv4:${a.address},${b.address}`);
  const answeredBy: string[] = [];
  for (let batch = 0; batch < 20; batch++) {
    if (batch === 8) void b.server.shutdown(0); // abrupt: calls in flight on b are cut
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => users.call('GetUser', { id: `${batch}-${i}` })));
    answeredBy.push(...results.map((r) => r.name));
  }
  assert.is(answeredBy.length, 200);
  assert.ok(answeredBy.slice(100).every((n) => n === 'a'), 'after b died, a answered everything');
  assert.ok(answeredBy.slice(0, 80).includes('b'));
  users.close();
});

grpc('lets a call in flight finish when shutdown begins, after health turned NOT_SERVING', async () => {
  const { server, readiness, address } = await replica('a', () => sleep(600));
  const users = client(`ipv4:${address}`, 5000);
  const inFlight = users.call('GetUser', { id: 'during-shutdown' });
  await sleep(100);
  readiness.startDraining();
  assert.is(await healthStatus(address), 'NOT_SERVING');
  assert.is(await healthStatus(address, SERVICE_NAMES.users), 'NOT_SERVING');
  await server.shutdown(5000);
  assert.equal(await inFlight, { id: 'during-shutdown', email: 'a@example.com', name: 'a' });
  users.close();
});

grpc('logs every call with its method and status code: at debug level when it succeeded, at info when it failed', async () => {
  lines.length = 0;
  const { address } = await replica('a', async (id) => {
    if (id === 'missing') throw new NotFoundError('user_not_found', 'No user with id missing.');
  });
  const users = client(`ipv4:${address}`);
  await users.call('GetUser', { id: 'logged' }, { requestId: 'grpc-req-1' });
  await users.call('GetUser', { id: 'missing' }, { requestId: 'grpc-req-2' }).catch(() => undefined);
  const entries = lines.map((l) => JSON.parse(l)).filter((l) => l.reqId === 'grpc-req-1' || l.reqId === 'grpc-req-2');
  assert.equal(
    entries.map((e) => [e.reqId, e.level, e.msg, e.grpcMethod, e.code]),
    [
      ['grpc-req-1', 'debug', 'gRPC call finished', '/switchyard.users.v1.Users/GetUser', 'OK'],
      ['grpc-req-2', 'info', 'gRPC call finished', '/switchyard.users.v1.Users/GetUser', 'NOT_FOUND'],
    ],
  );
  users.close();
});

grpc('counts every call in grpc_server_handled_total by method and code', async () => {
  const { address, registry } = await replica('a', async (id) => {
    if (id === 'missing') throw new NotFoundError('user_not_found', 'No user with id missing.');
  });
  const users = client(`ipv4:${address}`);
  for (const id of ['1', '2', 'missing']) await users.call('GetUser', { id }).catch(() => undefined);
  const counts = (await registry.getSingleMetricAsString('grpc_server_handled_total')).split('\n').filter((l) => l.startsWith('grpc_server_handled_total{'));
  assert.equal(counts, [
    'grpc_server_handled_total{grpc_type="unary",grpc_service="switchyard.users.v1.Users",grpc_method="GetUser",grpc_code="OK",service="grpc-test"} 2',
    'grpc_server_handled_total{grpc_type="unary",grpc_service="switchyard.users.v1.Users",grpc_method="GetUser",grpc_code="NOT_FOUND",service="grpc-test"} 1',
  ]);
  users.close();
});

grpc.run();
