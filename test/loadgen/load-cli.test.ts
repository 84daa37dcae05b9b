/**
 * `npm run load` against the local system: the journeys it starts open-loop at the given rate all
 * finish, each as the journey it is (declined cards and cancellations are outcomes, not errors), and
 * the JSON report counts them; bad arguments are refused with the usage.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startCommand } from '../support/child-service.js';
import { startTestSystem } from '../support/local-system.js';
import { freeSystemPorts } from '../support/ports.js';

const load = suite('npm run load (the load generator) against the local system');
const ROOT = resolve(import.meta.dirname, '../..');
const CLI = [process.execPath, '--import', 'tsx', '--conditions=development', 'packages/loadgen/src/cli.ts'];
let local: Awaited<ReturnType<typeof startTestSystem>> | undefined;
let dir = '';

load.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-load-'));
  local = await startTestSystem(await freeSystemPorts());
});

load.after(async () => {
  await local?.cleanUp();
  await rm(dir, { recursive: true, force: true });
});

interface Report {
  result: { started: number; finished: number; unfinished: number };
  journeys: Record<string, { count: number; errors: number; outcomes: Record<string, number> }>;
}

load('30 journeys at 10/s for 3 s: every one started and finished, none failed, each counted under its journey', async () => {
  const report = join(dir, 'report.json');
  const child = await startCommand(
    [...CLI, '--url', local!.system.gatewayUrl, '--rate', '10', '--duration', '3s', '--mix', 'browse=40,order=40,register=20', '--users', '3', '--listen', '1s', '--json', report],
    {},
    ROOT,
  );
  assert.equal(await child.exited, { code: 0, signal: null }, child.lines.slice(-20).join('\n'));
  const body = JSON.parse(await readFile(report, 'utf8')) as Report;
  assert.equal(body.result.started, 30);
  assert.equal(body.result.finished, 30);
  assert.equal(body.result.unfinished, 0);
  const journeys = Object.values(body.journeys);
  assert.is(journeys.reduce((sum, j) => sum + j.count, 0), 30);
  assert.equal(journeys.map((j) => j.errors), journeys.map(() => 0), JSON.stringify(body.journeys));
  assert.ok(child.lines.some((l) => l.startsWith('started 30 journeys, finished 30 ')), child.lines.join('\n'));
});

load('refuses a mix that names no journey it knows, with the usage, before it sends anything', async () => {
  const child = await startCommand([...CLI, '--url', local!.system.gatewayUrl, '--mix', 'shoplift=100'], {}, ROOT);
  assert.equal(await child.exited, { code: 2, signal: null });
  assert.ok(child.lines.some((l) => l.startsWith('usage: npm run load')), child.lines.join('\n'));
  assert.not.ok(child.lines.some((l) => l.startsWith('preparing:')));
});

load.run();
