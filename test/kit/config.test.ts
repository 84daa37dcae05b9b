import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { ConfigError, baseConfigSchema, loadConfig, port, urlList } from '@switchyard/kit/config';
import { readConfig as readGatewayConfig } from '@switchyard/gateway/config';
import { readConfig as readOrdersConfig } from '@switchyard/orders/config';
import { readConfig as readPaymentsConfig } from '@switchyard/payments/config';

const config = suite('loadConfig');
const schema = baseConfigSchema.extend({ HTTP_PORT: port(8080), DATABASE_URL: z.url(), UPSTREAMS: urlList() });

config('applies defaults and returns a frozen object', () => {
  const loaded = loadConfig(schema, { DATABASE_URL: 'postgres://db/x', UPSTREAMS: 'http://a:1, http://b:2' });
  assert.is(loaded.HTTP_PORT, 8080);
  assert.is(loaded.SHUTDOWN_DRAIN_DELAY_MS, 0);
  assert.equal(loaded.UPSTREAMS, ['http://a:1', 'http://b:2']);
  assert.ok(Object.isFrozen(loaded));
  assert.ok(Object.isFrozen(loaded.UPSTREAMS));
});

config('lists every bad or missing variable at once', () => {
  try {
    loadConfig(schema, { HTTP_PORT: 'eighty', LOG_LEVEL: 'loud', UPSTREAMS: 'ftp://x' });
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.instance(err, ConfigError);
    const names = (err as ConfigError).problems.map((p) => p.split(':')[0]);
    assert.equal(names.sort(), ['DATABASE_URL', 'HTTP_PORT', 'LOG_LEVEL', 'UPSTREAMS.0']);
    assert.ok((err as ConfigError).problems.includes('DATABASE_URL: is required'));
  }
});

config('treats an empty variable as unset', () => {
  const loaded = loadConfig(schema, { DATABASE_URL: 'postgres://db/x', UPSTREAMS: 'http://a', LOG_LEVEL: '' });
  assert.is(loaded.LOG_LEVEL, 'info');
});

/** The problems a service's readConfig reports for an environment (none: []). */
function problemsOf(read: (env: Record<string, string>) => unknown, env: Record<string, string>): string[] {
  try {
    read(env);
    return [];
  } catch (err) {
    assert.instance(err, ConfigError);
    return (err as ConfigError).problems;
  }
}

const DB = { DATABASE_URL: 'postgres://u:p@db/x', AMQP_URL: 'amqp://u:p@mq', SERVICE_CLIENT_SECRET: 'a-secret-of-at-least-thirty-two-characters' };

config('refuses combinations that are each valid but wrong together, naming the variable', () => {
  // The key set comes through the users upstream, so a k8s:// USERS_URL needs no separate JWKS_URL.
  assert.equal(problemsOf(readGatewayConfig, { USERS_URL: 'k8s://users.shop:http' }), []);
  assert.equal(problemsOf(readGatewayConfig, { SHUTDOWN_DRAIN_DELAY_MS: '5000', SHUTDOWN_TIMEOUT_MS: '5000' }), ['SHUTDOWN_DRAIN_DELAY_MS: must be less than SHUTDOWN_TIMEOUT_MS (5000)']);
  assert.equal(problemsOf(readGatewayConfig, { HTTP_PORT: '9000', ADMIN_PORT: '9000' }), ['ADMIN_PORT: must differ from HTTP_PORT (both are 9000)']);
  assert.equal(problemsOf(readPaymentsConfig, { ...DB, ADMIN_PORT: '9090', GRPC_PORT: '9090' }), ['GRPC_PORT: must differ from ADMIN_PORT (both are 9090)']);
});

config('refuses malformed gRPC targets at start instead of at the first call', () => {
  const bad = ['k8s://payments', 'k8s:///payments:grpc', 'dns:///payments', 'ipv4:127.0.0.1', 'payments:9090'];
  for (const target of bad) {
    assert.equal(problemsOf(readOrdersConfig, { ...DB, PAYMENTS_GRPC_TARGET: target }), [
      'PAYMENTS_GRPC_TARGET: must be a gRPC target: dns:///host:port, k8s:///service.namespace:port-name or ipv4:ip:port[,ip:port]',
    ], target);
  }
  const good = ['k8s:///payments-grpc.shop:grpc', 'dns:///payments-grpc:9090', 'dns:payments:9090', 'ipv4:127.0.0.1:9084,127.0.0.1:9184'];
  for (const target of good) assert.equal(problemsOf(readOrdersConfig, { ...DB, PAYMENTS_GRPC_TARGET: target }), [], target);
});

config.run();
