import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SERVICE_NAMES, usersV1, type UsersDefinition } from '@switchyard/contracts/grpc-contracts';
import { deadlineHeader, deadlineMargin, incomingDeadline } from '@switchyard/kit/deadline';
import { GrpcClient } from '@switchyard/kit/grpc-client';
import { grpcFailure, startGrpcServer } from '../support/grpc.js';
import { capturedLogger } from '../support/logs.js';

const deadlines = suite('request deadlines (x-request-timeout-ms) and gRPC calls');
const { Users } = usersV1();
const { log } = capturedLogger('deadline-test');

deadlines('reads a budget into an absolute deadline, less a margin for answering: a tenth, within 20-100 ms', () => {
  const now = 1_000_000;
  assert.is(incomingDeadline('300', now)?.getTime(), now + 300 - 30);
  assert.is(incomingDeadline('100', now)?.getTime(), now + 100 - 20);
  assert.is(incomingDeadline('5000', now)?.getTime(), now + 5_000 - 100);
  assert.equal([deadlineMargin(0), deadlineMargin(450), deadlineMargin(60_000)], [20, 45, 100]);
});

deadlines('ignores a missing or malformed budget (calls keep their own default deadlines)', () => {
  for (const value of [undefined, '', '-5', '1.5', '3e2', '12345678', 'soon']) assert.is(incomingDeadline(value), undefined, String(value));
});

deadlines('sends what is left of a deadline, never less than 1 ms', () => {
  assert.is(deadlineHeader(1_000_300, 1_000_000), '300');
  assert.is(deadlineHeader(1_000_000.2, 1_000_000), '1');
  assert.is(deadlineHeader(999_000, 1_000_000), '1');
});

deadlines('makes no call whose budget is already spent: 504 deadline_exceeded, and the server sees nothing', async () => {
  let calls = 0;
  const handlers = { GetUser: async ({ id }: { id: string }) => (calls++, { id, email: 'a@example.com', name: 'a' }) };
  const { server, address } = await startGrpcServer<UsersDefinition>(log, SERVICE_NAMES.users, Users.service, handlers);
  const users = new GrpcClient(Users, { dependency: 'users', serviceName: SERVICE_NAMES.users, target: `ipv4:${address}`, deadlineMs: 2_000, maxAttempts: 1 });
  try {
    const spent = await grpcFailure(users.call('GetUser', { id: 'u1' }, { deadline: new Date(Date.now() - 1) }));
    assert.equal([spent.httpStatus, spent.code, spent.message], [504, 'deadline_exceeded', 'No time was left to call users GetUser.']);
    assert.is(calls, 0);
    // The earlier of the caller's deadline and the client's own default bounds a call that is made.
    assert.equal(await users.call('GetUser', { id: 'u2' }, { deadline: new Date(Date.now() + 1_000) }), { id: 'u2', email: 'a@example.com', name: 'a' });
    assert.is(calls, 1);
  } finally {
    users.close();
    await server.shutdown(1_000);
  }
});

deadlines.run();
