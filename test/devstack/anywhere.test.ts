/**
 * `npm start` from wherever a user clones: a folder only its owner may enter (root's home and every
 * `mktemp -d` are mode 0700), a path with a space, as root and as an ordinary user. Each run goes to
 * every /readyz 200 and ends with a Ctrl-C that leaves no process and no listening port behind.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, chown, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TRACING_BOOTSTRAP } from '@switchyard/devstack/service-catalog';
import { startCommand, type ChildService } from '../support/child-service.js';
import { copyCheckout, isGitCheckout } from '../support/checkout.js';
import { request } from '../support/http.js';
import { isAlive } from '../support/local-system.js';
import { freeSystemPorts, isListening } from '../support/ports.js';
import { waitForTable, type RunnerRow } from '../support/runner.js';

const anywhere = suite('npm start from any clone location');
const TESTER = 'switchyard-tester';
const isRoot = process.getuid?.() === 0;
let parent = '';
let runner: ChildService | undefined;
/** The pids the runner's table listed, for the clean-up of a failed test. */
const tablePids: number[] = [];
let removeUser: (() => void) | undefined;

anywhere.before.each(async () => {
  parent = await mkdtemp(join(tmpdir(), 'switchyard-anywhere-'));
});

anywhere.after.each(async () => {
  // A test that failed midway leaves the system running: Ctrl-C first (the runner stops every process it
  // started, each in its own process group), then SIGKILL for whatever the table listed and still runs.
  if (runner?.process.running) {
    process.kill(-runner.process.pid, 'SIGINT');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([runner.exited, new Promise((resolve) => (timer = setTimeout(resolve, 30_000)))]);
    clearTimeout(timer);
    if (runner.process.running) runner.process.kill();
    await runner.exited;
  }
  for (const pid of tablePids.splice(0).filter(isAlive)) process.kill(pid, 'SIGKILL');
  runner = undefined;
  await rm(parent, { recursive: true, force: true });
  removeUser?.();
  removeUser = undefined;
});

/**
 * Every file under dir, relative, but for the git-ignored folders a run may write: .data/ (databases,
 * broker, secrets), dist/ (the storefront's build, compiled JavaScript) and node_modules/.
 */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((p) => !p.split('/').some((segment) => segment === 'node_modules' || segment === '.data' || segment === 'dist'))
    .sort();
}

/** Runs `npm start` in the clone (through `wrapper`), checks every replica is ready, then Ctrl-C. */
async function startReadyStop(clone: string, wrapper: string[], env: Record<string, string>): Promise<void> {
  const ports = await freeSystemPorts();
  const before = await filesUnder(clone);
  runner = await startCommand([...wrapper, 'npm', 'start'], {
    ...env,
    SWITCHYARD_HTTP_PORT: String(ports.httpBasePort),
    SWITCHYARD_POSTGRES_PORT: String(ports.postgresPort),
    SWITCHYARD_AMQP_PORT: String(ports.amqpPort),
    SWITCHYARD_EPMD_PORT: String(ports.epmdPort),
    SWITCHYARD_RABBITMQ_DIST_PORT: String(ports.distPort),
    SWITCHYARD_OTLP_PORT: String(ports.otlpPort),
    SWITCHYARD_PROMETHEUS_PORT: String(ports.prometheusPort),
  }, clone);
  const rows: RunnerRow[] = await waitForTable(runner);
  tablePids.push(...rows.flatMap((r) => r.pids));
  const services = rows.filter((r) => r.admin !== '-');
  assert.equal(services.map((r) => r.name), ['users', 'catalog', 'payments', 'orders', 'notifications', 'gateway']);
  for (const row of services) assert.is((await request(`${row.admin}/readyz`)).status, 200, `${row.name} ready`);
  // A fresh clone has no dist/: npm start compiled the workspaces and runs every service from them, without
  // tsx, behind the tracing bootstrap (compiled too), with the young generation SWITCHYARD_SEMI_SPACE_MB sets.
  const v8Flags = env.SWITCHYARD_SEMI_SPACE_MB === '0' ? [] : [`--max-semi-space-size=${env.SWITCHYARD_SEMI_SPACE_MB ?? 2}`];
  const commands = services.map((r) => readFileSync(`/proc/${r.pids[0]}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(1));
  assert.equal(commands, services.map((r) => [...v8Flags, '--import', TRACING_BOOTSTRAP, `services/${r.name}/dist/main.js`]));
  const products = await request(`${rows.find((r) => r.name === 'gateway')!.api}/api/products`);
  assert.is(products.status, 200);
  assert.ok(products.body.items.length > 0);

  // Ctrl-C: the terminal sends SIGINT to the foreground process group (npm and the runner). npm waits
  // for the runner, then ends itself by the same signal, as a shell expects of an interrupted command.
  process.kill(-runner.process.pid, 'SIGINT');
  assert.equal(await runner.exited, { code: null, signal: 'SIGINT' });
  assert.ok(runner.lines.some((l) => l.includes('"msg":"stopped"')), `the runner stopped everything first:\n${runner.lines.slice(-20).join('\n')}`);
  const pids = rows.flatMap((r) => r.pids);
  assert.equal(pids.filter(isAlive), []);
  const listening = [];
  for (const url of services.flatMap((r) => [r.api, r.admin]).filter((u) => u !== '-')) {
    const port = Number(new URL(url).port);
    if (await isListening(port)) listening.push(port);
  }
  for (const port of [ports.postgresPort, ports.amqpPort, ports.epmdPort, ports.distPort]) if (await isListening(port)) listening.push(port);
  assert.equal(listening, []);
  assert.equal(await filesUnder(clone), before, 'nothing written outside .data/');
}

anywhere('from a folder only its owner may enter, with a space in the path, as this user' + (isRoot ? ' (root)' : ''), async () => {
  if (!isGitCheckout()) return void process.stdout.write('  (skipped: not a git checkout, nothing to clone)\n');
  assert.is((await stat(parent)).mode & 0o777, 0o700);
  const clone = join(parent, 'my projects', 'switchyard');
  await copyCheckout(clone);
  await startReadyStop(clone, [], { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? parent, LOG_LEVEL: 'info' });
});

anywhere('as an ordinary user, from a clone in a 0700 folder of theirs', async () => {
  if (!isRoot) return void process.stdout.write('  (skipped: creating a user to run as needs root)\n');
  if (!isGitCheckout()) return void process.stdout.write('  (skipped: not a git checkout, nothing to clone)\n');
  let created = false;
  try {
    execFileSync('id', ['-u', TESTER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--create-home', '--shell', '/bin/sh', TESTER]);
    created = true;
  }
  // The user goes again with the test (also when it fails), if this run made it.
  if (created) removeUser = () => execFileSync('userdel', ['--remove', TESTER], { stdio: 'ignore' });
  const uid = Number(execFileSync('id', ['-u', TESTER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', TESTER], { encoding: 'utf8' }).trim());
  const home = execFileSync('getent', ['passwd', TESTER], { encoding: 'utf8' }).split(':')[5]!;
  const clone = join(parent, 'their projects', 'switchyard');
  const files = await copyCheckout(clone);
  // Theirs: the folders and files of the clone (node_modules stays as npm made it: hard links, read-only to them).
  await chown(parent, uid, gid);
  await chmod(parent, 0o700);
  // node_modules itself is theirs too (npm ci would have made it so; tools keep caches in it), its files stay hard links.
  for (const dir of [join(parent, 'their projects'), clone, join(clone, 'node_modules')]) await chown(dir, uid, gid);
  for (const file of files) {
    let path = join(clone, file);
    await chown(path, uid, gid).catch(() => undefined);
    while ((path = join(path, '..')) !== clone) await chown(path, uid, gid);
  }
  // With V8's own young generation (SWITCHYARD_SEMI_SPACE_MB=0) this time: no flag before the bootstrap.
  await startReadyStop(clone, ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--init-groups', '--'], { PATH: process.env.PATH ?? '', HOME: home, LOG_LEVEL: 'info', SWITCHYARD_SEMI_SPACE_MB: '0' });
});

anywhere.run();
