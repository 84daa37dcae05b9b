import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startChild } from '../support/child-service.js';

const lazy = suite('@kubernetes/client-node is loaded only by processes with a k8s: target');
let dir: string;

lazy.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'module-trace-'));
});

lazy.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The client-node modules that orders' clients and a gateway loaded, built from this environment. */
async function clientNodeModules(name: string, env: Record<string, string>): Promise<string[]> {
  const file = join(dir, `${name}.txt`);
  const base = {
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    ADMIN_PORT: '0',
    DATABASE_URL: 'postgres://u:p@127.0.0.1:1/x',
    AMQP_URL: 'amqp://u:p@127.0.0.1:1',
    SERVICE_CLIENT_SECRET: 'a-secret-of-at-least-thirty-two-characters',
  };
  const child = await startChild('test/fixtures/load-callers.ts', { ...base, ...env, MODULE_TRACE_FILE: file, MODULE_TRACE_MATCH: '@kubernetes/client-node' }, {
    nodeArgs: ['--import', './test/fixtures/module-trace.mjs'],
  });
  assert.equal(await child.exited, { code: 0, signal: null }, child.lines.join('\n'));
  assert.ok(child.lines.includes('built'));
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

lazy('with plain addresses (the local system, dns:/// on Kubernetes) neither orders nor the gateway loads it', async () => {
  assert.equal(await clientNodeModules('plain', { PAYMENTS_GRPC_TARGET: 'dns:///payments-grpc:9090' }), []);
});

lazy('a k8s:/// gRPC target loads it', async () => {
  const loaded = await clientNodeModules('grpc', { PAYMENTS_GRPC_TARGET: 'k8s:///payments-grpc.shop:grpc' });
  assert.ok(loaded.length > 0);
});

lazy('a k8s:// gateway upstream loads it', async () => {
  const loaded = await clientNodeModules('gateway', { CATALOG_URL: 'k8s://catalog.shop:http' });
  assert.ok(loaded.length > 0);
});

lazy.run();
