import { Agent, request as httpRequest } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startChild, type ChildService } from '../support/child-service.js';
import { eventually } from '../support/broker.js';
import { request } from '../support/http.js';

const shutdown = suite('graceful shutdown');
const FIXTURE = 'test/fixtures/slow-service.ts';
let child: ChildService | undefined;

async function start(env: Record<string, string> = {}): Promise<{ child: ChildService; base: string; admin: string }> {
  child = await startChild(FIXTURE, { HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'debug', ...env });
  const line = await child.waitForLine((l) => l.msg === 'slow started');
  return { child, base: `http://127.0.0.1:${line.httpPort}`, admin: `http://127.0.0.1:${line.adminPort}` };
}

shutdown.after.each(async () => {
  child?.process.kill();
  await child?.exited;
  child = undefined;
});

shutdown('lets a request in flight finish with 200, refuses new ones, and exits 0', async () => {
  const { child, base } = await start();
  let finished = false;
  const inFlight = request(`${base}/slow?ms=2000`).finally(() => (finished = true));
  await child.waitForLine((l) => l.msg === 'slow request started');
  process.kill(child.process.pid, 'SIGTERM');
  await child.waitForLine((l) => l.msg === 'shutdown started');
  // The listener closes right after that line: a connection made in between may still be answered, or
  // reset if it was waiting to be accepted; from then on every new one is refused.
  const attempt = () =>
    fetch(`${base}/slow?ms=1`, { signal: AbortSignal.timeout(2000) }).then(
      () => 'answered',
      (err: Error & { cause?: { code?: string } }) => err.cause?.code,
    );
  await eventually(async () => ((await attempt()) === 'ECONNREFUSED' ? true : undefined), 5_000, 'a new connection refused');
  assert.is(finished, false, 'the request in flight was still running when new connections were refused');
  const res = await inFlight;
  assert.is(res.status, 200);
  assert.equal(res.body, { done: true });
  assert.equal(await child.exited, { code: 0, signal: null });
});

shutdown('answers /readyz with 503 during the drain delay, before closing the listener', async () => {
  const { child, admin } = await start({ SHUTDOWN_DRAIN_DELAY_MS: '1500' });
  assert.is((await request(`${admin}/readyz`)).status, 200);
  process.kill(child.process.pid, 'SIGTERM');
  await child.waitForLine((l) => l.msg === 'shutdown started');
  const draining = await request(`${admin}/readyz`);
  assert.is(draining.status, 503);
  assert.equal(draining.body, { status: 'draining', checks: {} });
  assert.equal(await child.exited, { code: 0, signal: null });
});

shutdown('closes idle keep-alive connections instead of waiting for them', async () => {
  const { child, base } = await start({ SHUTDOWN_TIMEOUT_MS: '5000' });
  const agent = new Agent({ keepAlive: true });
  const status = await new Promise<number>((resolve, reject) => {
    httpRequest(`${base}/slow?ms=1`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
  assert.is(status, 200);
  // The socket is now idle in the agent's pool; with keepAliveTimeout at 65 s it would hold the
  // server open past the 5 s deadline (exit 1) if shutdown did not close it.
  process.kill(child.process.pid, 'SIGTERM');
  assert.equal(await child.exited, { code: 0, signal: null });
  agent.destroy();
});

shutdown('forces exit 1 at the hard deadline when a request never finishes', async () => {
  const { child, base } = await start({ SHUTDOWN_TIMEOUT_MS: '800' });
  const hanging = fetch(`${base}/hang`, { signal: AbortSignal.timeout(5000) }).catch(() => 'aborted');
  await child.waitForLine((l) => l.msg === 'hang request started');
  process.kill(child.process.pid, 'SIGTERM');
  assert.equal(await child.exited, { code: 1, signal: null });
  await child.waitForLine((l) => l.msg === 'shutdown deadline passed, forcing exit');
  assert.is(await hanging, 'aborted');
});

shutdown.run();
