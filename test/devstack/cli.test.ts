import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startChild, type ChildService } from '../support/child-service.js';
import { request } from '../support/http.js';
import { isAlive } from '../support/local-system.js';
import { freeSystemPorts, isListening } from '../support/ports.js';
import { waitForTable } from '../support/runner.js';

const cli = suite('npm start (the local system runner)');
let PORTS: Record<string, string>;
let httpBase = 0;
let dataDir: string;
let runner: ChildService | undefined;

cli.before(async () => {
  const ports = await freeSystemPorts();
  httpBase = ports.httpBasePort;
  PORTS = { SWITCHYARD_HTTP_PORT: String(ports.httpBasePort), SWITCHYARD_POSTGRES_PORT: String(ports.postgresPort), SWITCHYARD_AMQP_PORT: String(ports.amqpPort), SWITCHYARD_EPMD_PORT: String(ports.epmdPort), SWITCHYARD_OTLP_PORT: String(ports.otlpPort), SWITCHYARD_PROMETHEUS_PORT: String(ports.prometheusPort), SWITCHYARD_RABBITMQ_DIST_PORT: String(ports.distPort) };
  dataDir = await mkdtemp(join(tmpdir(), 'switchyard-cli-'));
});

/** Stops a runner a failed test left running (by its pid), so the next test finds its ports free. */
async function stopLeftRunner(): Promise<void> {
  if (runner?.process.running) {
    process.kill(runner.process.pid, 'SIGTERM');
    await runner.exited;
  }
}

cli.after(async () => {
  await stopLeftRunner();
  await rm(dataDir, { recursive: true, force: true });
});

const startRunner = () =>
  startChild('packages/devstack/src/cli.ts', { ...PORTS, SWITCHYARD_DATA_DIR: dataDir, LOG_LEVEL: 'info' });

/** Waits for the status table and returns the pids it lists. */
async function waitUntilRunning(child: ChildService): Promise<number[]> {
  return (await waitForTable(child)).flatMap((row) => row.pids);
}

cli('refuses to start when a port it needs is busy, naming the port', async () => {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(httpBase + 1, '127.0.0.1', resolve));
  try {
    const child = await startRunner();
    assert.equal(await child.exited, { code: 1, signal: null });
    const fatal = child.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((l) => l.level === 'fatal');
    assert.is(fatal.msg, `port ${httpBase + 1} (users HTTP) is already in use on 127.0.0.1: stop what listens there or choose other ports`);
  } finally {
    blocker.close();
  }
});

cli('refuses a malformed setting before starting anything, naming the variable', async () => {
  const child = await startChild('packages/devstack/src/cli.ts', { ...PORTS, SWITCHYARD_DATA_DIR: dataDir, SWITCHYARD_SEMI_SPACE_MB: 'two' });
  assert.equal(await child.exited, { code: 2, signal: null });
  const lines = child.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  assert.equal(lines.map((l) => [l.level, l.msg]), [['fatal', 'invalid configuration: SWITCHYARD_SEMI_SPACE_MB: Invalid input: expected number, received NaN']]);
});

cli('starts everything, prints the table, and stops on SIGINT leaving nothing behind', async () => {
  runner = await startRunner();
  const pids = await waitUntilRunning(runner);
  assert.is(pids.length, 10, 'users, catalog, payments, orders, notifications, gateway, postgres, rabbitmq, epmd and prometheus');
  assert.ok(runner.lines.includes(`Switchyard is running. Public API: http://127.0.0.1:${httpBase}/api`));
  const created = await request(`http://127.0.0.1:${httpBase}/api/users`, { method: 'POST', json: { email: 'keep@example.com', password: 'kept across restarts', name: 'Keep' } });
  assert.is(created.status, 201);

  process.kill(runner.process.pid, 'SIGINT');
  assert.equal(await runner.exited, { code: 0, signal: null });
  assert.equal(pids.filter(isAlive), []);
  const ports = [0, 1, 2, 3, 5, 1001, 1002, 1004, 2500, 2501, 2502, 2503, 2504, 2505].map((o) => httpBase + o).concat([PORTS.SWITCHYARD_POSTGRES_PORT, PORTS.SWITCHYARD_AMQP_PORT, PORTS.SWITCHYARD_EPMD_PORT, PORTS.SWITCHYARD_OTLP_PORT, PORTS.SWITCHYARD_PROMETHEUS_PORT, PORTS.SWITCHYARD_RABBITMQ_DIST_PORT].map(Number));
  const listening = [];
  for (const port of ports) if (await isListening(port)) listening.push(port);
  assert.equal(listening, []);
  const order = runner.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((l) => /shutdown complete|rabbitmq stopped|postgres stopped/.test(l.msg));
  assert.equal(order.map((l) => l.service === 'switchyard' ? l.msg : `${l.service} ${l.msg}`), [
    'gateway shutdown complete',
    'notifications shutdown complete',
    'orders shutdown complete',
    'payments shutdown complete',
    'catalog shutdown complete',
    'users shutdown complete',
    'rabbitmq stopped',
    'postgres stopped',
  ]);
});

cli('keeps users across a restart on the same data directory, and says so when a service dies', async () => {
  await stopLeftRunner();
  runner = await startRunner();
  const table = await waitForTable(runner);
  const session = await request(`http://127.0.0.1:${httpBase}/api/sessions`, { method: 'POST', json: { email: 'keep@example.com', password: 'kept across restarts' } });
  assert.is(session.status, 200);

  const payments = table.find((row) => row.name.startsWith('payments'))!;
  process.kill(payments.pids[0]!, 'SIGKILL');
  const said = await runner.waitForLine((entry) => entry.level === 'error' && entry.instance === payments.name);
  assert.equal([said.msg, said.pid, said.code, said.signal], [`${payments.name} exited (SIGKILL) and is not restarted: the system runs without it until npm start is run again`, payments.pids[0], null, 'SIGKILL']);
  process.kill(runner.process.pid, 'SIGTERM');
  assert.equal(await runner.exited, { code: 0, signal: null });
});

cli.run();
