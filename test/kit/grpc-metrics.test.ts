import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SERVICE_NAMES, usersV1, type UsersDefinition } from '@switchyard/contracts/grpc-contracts';
import { NotFoundError } from '@switchyard/kit/errors';
import { GrpcClient } from '@switchyard/kit/grpc-client';
import { GrpcServer, type ServiceHandlers } from '@switchyard/kit/grpc-server';
import { createMetrics } from '@switchyard/kit/metrics';
import { Readiness } from '@switchyard/kit/readiness';
import { grpcFailure } from '../support/grpc.js';
import { capturedLogger } from '../support/logs.js';

const metrics = suite('gRPC metrics (go-grpc-prometheus names)');
const { Users } = usersV1();
const { log } = capturedLogger('grpc-metrics-test');

/** The sample lines of a metric family that start with `prefix`. */
async function samples(registry: import('prom-client').Registry, name: string, prefix: string): Promise<string[]> {
  return (await registry.getSingleMetricAsString(name)).split('\n').filter((line) => line.startsWith(prefix));
}

metrics('counts handled calls by service, method and code, and times them, on both sides', async () => {
  const server = createMetrics('users');
  const client = createMetrics('orders');
  const grpc = new GrpcServer({ log, registry: server.registry, readiness: new Readiness(), maxConnectionAgeMs: 300_000, maxConnectionAgeGraceMs: 1_000 });
  grpc.addService(SERVICE_NAMES.users, Users.service, {
    GetUser: async ({ id }) => {
      if (id === 'missing') throw new NotFoundError('user_not_found', 'No such user.');
      return { id, email: 'a@example.com', name: 'a' };
    },
  } satisfies ServiceHandlers<UsersDefinition>);
  const port = await grpc.listen(0, '127.0.0.1');
  const users = new GrpcClient(Users, { dependency: 'users', serviceName: SERVICE_NAMES.users, target: `ipv4:127.0.0.1:${port}`, deadlineMs: 2_000, maxAttempts: 1, registry: client.registry });
  try {
    await users.call('GetUser', { id: 'u1' });
    await users.call('GetUser', { id: 'u2' });
    assert.is((await grpcFailure(users.call('GetUser', { id: 'missing' }))).grpcStatus, 'NOT_FOUND');
    const labels = 'grpc_type="unary",grpc_service="switchyard.users.v1.Users",grpc_method="GetUser"';
    for (const [side, metrics, service] of [['server', server, 'users'], ['client', client, 'orders']] as const) {
      assert.equal(await samples(metrics.registry, `grpc_${side}_handled_total`, `grpc_${side}_handled_total{`), [
        `grpc_${side}_handled_total{${labels},grpc_code="OK",service="${service}"} 2`,
        `grpc_${side}_handled_total{${labels},grpc_code="NOT_FOUND",service="${service}"} 1`,
      ]);
      assert.equal(await samples(metrics.registry, `grpc_${side}_handling_seconds`, `grpc_${side}_handling_seconds_count{`), [
        `grpc_${side}_handling_seconds_count{service="${service}",${labels}} 3`,
      ]);
    }
  } finally {
    users.close();
    await grpc.shutdown(1_000);
  }
});

metrics.run();
