import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startChild } from '../support/child-service.js';

const configExit = suite('service start-up with a bad configuration');

configExit('users exits 1 naming every missing or bad variable', async () => {
  const child = await startChild('services/users/src/main.ts', { HTTP_PORT: 'eighty', JWT_PRIVATE_KEY: 'not a key' });
  const exit = await child.exited;
  assert.equal(exit, { code: 1, signal: null });
  const fatal = JSON.parse(child.lines.find((l) => l.includes('"level":"fatal"'))!);
  assert.equal(fatal.problems, [
    'HTTP_PORT: Invalid input: expected number, received NaN',
    'DATABASE_URL: is required',
    'AMQP_URL: is required',
    'JWT_PRIVATE_KEY: must be an Ed25519 private key in PKCS#8 PEM form',
  ]);
  assert.match(fatal.msg, /^invalid configuration: HTTP_PORT: .*; DATABASE_URL: is required; AMQP_URL: is required; JWT_PRIVATE_KEY: /);
});

configExit('gateway exits 1 when an upstream URL is not http(s)', async () => {
  const child = await startChild('services/gateway/src/main.ts', { USERS_URL: 'ftp://files.example' });
  assert.equal(await child.exited, { code: 1, signal: null });
  const fatal = JSON.parse(child.lines.find((l) => l.includes('"level":"fatal"'))!);
  assert.is(fatal.problems.length, 1);
  assert.match(fatal.problems[0], /^USERS_URL\.0: /);
});

configExit('gateway exits 1 when its settings clash (the same port for the API and the admin listener), naming them', async () => {
  const child = await startChild('services/gateway/src/main.ts', { HTTP_PORT: '18999', ADMIN_PORT: '18999', SHUTDOWN_DRAIN_DELAY_MS: '30000', SHUTDOWN_TIMEOUT_MS: '20000' });
  assert.equal(await child.exited, { code: 1, signal: null });
  const fatal = JSON.parse(child.lines.find((l) => l.includes('"level":"fatal"'))!);
  assert.equal(fatal.problems, ['SHUTDOWN_DRAIN_DELAY_MS: must be less than SHUTDOWN_TIMEOUT_MS (20000)', 'ADMIN_PORT: must differ from HTTP_PORT (both are 18999)']);
});

configExit.run();
