import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startChild } from '../support/child-service.js';

const lazy = suite('grpc-js is loaded only by processes that serve or call gRPC');
let dir: string;

lazy.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'module-trace-'));
});

lazy.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The grpc-js and grpc-health-check modules a process loaded while starting and stopping `serve`. */
async function grpcModules(serve: 'gateway' | 'grpc'): Promise<string[]> {
  const file = join(dir, `${serve}.txt`);
  const env = { SERVE: serve, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', ADMIN_PORT: '0', MODULE_TRACE_FILE: file, MODULE_TRACE_MATCH: '/@grpc/grpc-js/' };
  const child = await startChild('test/fixtures/start-one.ts', env, { nodeArgs: ['--import', './test/fixtures/module-trace.mjs'] });
  assert.equal(await child.exited, { code: 0, signal: null }, child.lines.join('\n'));
  assert.ok(child.lines.includes('started and stopped'));
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

lazy('the gateway, which serves no gRPC, never loads it', async () => {
  assert.equal(await grpcModules('gateway'), []);
});

lazy('a kit gRPC server loads it when it starts', async () => {
  assert.ok((await grpcModules('grpc')).some((url) => url.endsWith('/@grpc/grpc-js/build/src/index.js')));
});

lazy.run();
