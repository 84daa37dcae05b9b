/**
 * The test command: typecheck, start a real Postgres and a real RabbitMQ for the suites, run every
 * uvu suite (test/**\/*.test.ts) in one child process, stop both by their pids, and end with one
 * line `N passed, N failed`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLogger } from '@switchyard/kit/log';
import { startPostgres, type PostgresServer } from '@switchyard/devstack/postgres-server';
import { startRabbitMq, type RabbitMqServer } from '@switchyard/devstack/rabbitmq-server';
import { freePort } from './support/ports.js';

const ROOT = resolve(import.meta.dirname, '..');
const log = createLogger({ service: 'test-run', level: process.env.TEST_LOG_LEVEL ?? 'warn' });
// Only *.test.ts files; an argument narrows them further (`npm test -- orders/`).
const pattern = `^(?=.*(?:${process.argv[2] ?? ''})).*\\.test\\.ts$`;

function summary(passed: number, failed: number): never {
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  process.exit(failed > 0 ? 1 : 0);
}

process.stdout.write('typecheck: tsc -p tsconfig.json --noEmit\n');
const typecheck = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json'), '--noEmit'], {
  stdio: 'inherit',
});
if (typecheck.status !== 0) {
  process.stdout.write('typecheck failed\n');
  summary(0, 1);
}
process.stdout.write('typecheck passed\n');

/** The checkout's changes as git sees them (null outside a git work tree): tests must add none. */
function gitStatus(): string[] | null {
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: ROOT, encoding: 'utf8' });
  return status.status === 0 ? status.stdout.split('\n').filter(Boolean) : null;
}
const statusBefore = gitStatus();

const dataDir = await mkdtemp(join(tmpdir(), 'switchyard-test-'));
let postgres: PostgresServer | undefined;
let rabbit: RabbitMqServer | undefined;
const cleanUp = async () => {
  await rabbit?.stop();
  await postgres?.stop();
  await rm(dataDir, { recursive: true, force: true });
};
let suites: ReturnType<typeof spawn> | undefined;
// Stop what we started by its pid also when interrupted: the suites first, then the servers.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    suites?.kill('SIGKILL');
    void cleanUp().finally(() => process.exit(130));
  });
}

let output = '';
let exitCode: number | null = 1;
try {
  const [pg, amqp] = await Promise.allSettled([
    startPostgres({ dataDir: join(dataDir, 'postgres'), port: await freePort(), superuserPassword: 'test', log }),
    startRabbitMq({ dataDir: join(dataDir, 'rabbitmq'), port: await freePort(), epmdPort: await freePort(), distPort: await freePort(), allowInstall: true, log }),
  ]);
  // Keep whichever started, so the finally block stops it even when the other failed.
  if (pg.status === 'fulfilled') postgres = pg.value;
  if (amqp.status === 'fulfilled') rabbit = amqp.value;
  if (pg.status === 'rejected') throw pg.reason;
  if (amqp.status === 'rejected') throw amqp.reason;
  const child = (suites = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=development', join(ROOT, 'node_modules/uvu/bin.js'), 'test', pattern, '--no-color'],
    {
      cwd: ROOT,
      env: { ...process.env, TEST_DATABASE_URL: postgres!.adminUrl, TEST_AMQP_URL: rabbit!.url, FORCE_COLOR: '0', NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  ));
  // A suite that leaves a handle open (a failed `before`, say) must not keep the run alive: once uvu
  // printed its summary the child gets 20 s to exit, and the whole run is bounded too.
  let summaryTimer: NodeJS.Timeout | undefined;
  const overall = setTimeout(() => child.kill('SIGKILL'), 45 * 60_000);
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stdout.write(chunk);
    if (!summaryTimer && /Duration:/.test(output)) summaryTimer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  });
  exitCode = await new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  clearTimeout(summaryTimer);
  clearTimeout(overall);
} catch (err) {
  log.fatal({ err }, 'the test harness failed');
} finally {
  await cleanUp();
}

// A test or a service that wrote into the checkout (outside the git-ignored folders) fails the run.
const statusAfter = gitStatus();
const written = statusBefore && statusAfter ? statusAfter.filter((line) => !statusBefore.includes(line)) : [];
if (written.length > 0) process.stdout.write(`\nFAIL the run wrote into the checkout (git status --porcelain):\n${written.join('\n')}\n`);

// eslint-disable-next-line no-control-regex
const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
// uvu's total leaves skipped tests out.
let failed = total - passed + (written.length > 0 ? 1 : 0);
// A suite that crashed before reporting (an import error, an unhandled rejection) is a failure too.
if (exitCode !== 0 && failed === 0) failed = 1;

// The cluster suite (test/cluster, `npm run test:cluster`), after the others: Switchyard on a real
// Kubernetes cluster. It runs where the local cluster kit is (../shared/k8s) or SWITCHYARD_CLUSTER=kind
// names one, unless SWITCHYARD_CLUSTER_TESTS=0 or a pattern narrows the run to other suites.
const clusterSkip =
  process.env.SWITCHYARD_CLUSTER_TESTS === '0'
    ? 'SWITCHYARD_CLUSTER_TESTS=0'
    : process.argv[2] && !new RegExp(process.argv[2]).test('cluster/run.ts')
      ? `the run is narrowed to "${process.argv[2]}"`
      : !existsSync(resolve(ROOT, '../shared/k8s/cluster')) && process.env.SWITCHYARD_CLUSTER !== 'kind'
        ? 'no Kubernetes cluster here (../shared/k8s/cluster is missing and SWITCHYARD_CLUSTER is not kind)'
        : undefined;
let cluster = { passed: 0, failed: 0 };
if (clusterSkip) {
  process.stdout.write(`cluster suite skipped: ${clusterSkip}\n`);
} else {
  process.stdout.write('\ncluster suite (test/cluster/run.ts)\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=development', join(ROOT, 'test/cluster/run.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let clusterOutput = '';
  child.stdout.on('data', (chunk: Buffer) => {
    clusterOutput += chunk.toString();
    process.stdout.write(chunk);
  });
  const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  const counts = [...clusterOutput.matchAll(/^(\d+) passed, (\d+) failed$/gm)].at(-1);
  cluster = counts ? { passed: Number(counts[1]), failed: Number(counts[2]) } : { passed: 0, failed: 1 };
  if (code !== 0 && cluster.failed === 0) cluster.failed = 1;
}
summary(passed + cluster.passed, failed + cluster.failed);
