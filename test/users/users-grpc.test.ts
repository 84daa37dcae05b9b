import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SERVICE_NAMES, usersV1, type UsersDefinition } from '@switchyard/contracts/grpc-contracts';
import { GrpcClient } from '@switchyard/kit/grpc-client';
import { freshDatabase } from '../support/database.js';
import { grpcFailure } from '../support/grpc.js';
import { request } from '../support/http.js';
import { testIssuer } from '../support/identity.js';
import { capturedLogger } from '../support/logs.js';
import { startTestUsers, type TestService } from '../support/services.js';

const usersGrpc = suite('users gRPC API');
let db: Awaited<ReturnType<typeof freshDatabase>>;
let service: TestService;
let client: GrpcClient<UsersDefinition>;

usersGrpc.before(async () => {
  db = await freshDatabase('users_grpc');
  service = await startTestUsers(db.url, undefined, capturedLogger('users').log);
  const issuer = await testIssuer();
  client = new GrpcClient(usersV1().Users, {
    dependency: 'users',
    serviceName: SERVICE_NAMES.users,
    target: `ipv4:${service.grpcAddress}`,
    deadlineMs: 2000,
    maxAttempts: 2,
    token: () => issuer.serviceToken('orders', 'users'),
  });
});

usersGrpc.after(async () => {
  client.close();
  await service.stop();
  await db.drop();
});

usersGrpc('GetUser returns the registered user', async () => {
  const created = await request(`${service.url}/users`, { method: 'POST', json: { email: 'grpc@example.com', password: 'long enough pw', name: 'Grpc' } });
  assert.equal(await client.call('GetUser', { id: created.body.id }), { id: created.body.id, email: 'grpc@example.com', name: 'Grpc' });
});

usersGrpc('GetUser answers NOT_FOUND for an unknown id', async () => {
  const failure = await grpcFailure(client.call('GetUser', { id: '00000000-0000-4000-8000-000000000000' }));
  assert.equal(failure, {
    httpStatus: 404,
    code: 'user_not_found',
    grpcStatus: 'NOT_FOUND',
    message: 'No user with id 00000000-0000-4000-8000-000000000000.',
    extensions: {},
  });
});

usersGrpc('GetUser answers INVALID_ARGUMENT for a malformed id, naming the field', async () => {
  const failure = await grpcFailure(client.call('GetUser', { id: 'nope' }));
  assert.equal([failure.grpcStatus, failure.code], ['INVALID_ARGUMENT', 'validation_failed']);
  assert.equal(failure.extensions, { errors: [{ field: 'id', message: 'must be a UUID' }] });
});

usersGrpc('GetUser refuses a call without a service token (UNAUTHENTICATED) and one from a service other than orders (PERMISSION_DENIED)', async () => {
  const issuer = await testIssuer();
  const as = (token?: () => Promise<string>) =>
    new GrpcClient(usersV1().Users, { dependency: 'users', serviceName: SERVICE_NAMES.users, target: `ipv4:${service.grpcAddress}`, deadlineMs: 2000, maxAttempts: 1, ...(token ? { token } : {}) });
  const anonymous = as();
  const notifications = as(() => issuer.serviceToken('notifications', 'users'));
  const forPayments = as(() => issuer.serviceToken('orders', 'payments'));
  try {
    const id = '00000000-0000-4000-8000-000000000000';
    assert.equal(await grpcFailure(anonymous.call('GetUser', { id })), { httpStatus: 401, code: 'missing_token', grpcStatus: 'UNAUTHENTICATED', message: 'A bearer token is required.', extensions: {} });
    assert.equal(await grpcFailure(notifications.call('GetUser', { id })), {
      httpStatus: 403,
      code: 'caller_not_allowed',
      grpcStatus: 'PERMISSION_DENIED',
      message: 'notifications may not call users.GetUser.',
      extensions: {},
    });
    assert.equal((await grpcFailure(forPayments.call('GetUser', { id }))).grpcStatus, 'UNAUTHENTICATED', 'a token for another service');
  } finally {
    [anonymous, notifications, forPayments].forEach((c) => c.close());
  }
});

usersGrpc.run();
