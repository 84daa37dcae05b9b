import { join } from 'node:path';
import { ManagedProcess } from '@switchyard/devstack/managed-process';
import { freeSystemPorts } from '../../test/support/ports.js';
import type { Comparison, Measurement, Row, Variant } from '../lib/comparison.js';
import type { BenchEnv, Side } from '../lib/environment.js';
import { mb } from '../lib/format.js';
import { measureMemory } from '../lib/memory.js';

/** Time left to an idle system before its memory is read: pools close idle connections after 10 s. */
const SETTLE_MS = 20_000;

/** Which part of the local system a process belongs to, by its command line. */
function partOf(command: string): string {
  const service = /services\/([a-z-]+)\/(?:src|dist)\/main/.exec(command);
  if (service) return service[1]!;
  if (/^npm\b|npm-cli|\/npm /.test(command)) return 'npm';
  if (/esbuild/.test(command)) return 'esbuild (tsx)';
  if (/packages\/devstack\/|^sh -c node/.test(command)) return 'runner';
  if (/postgres/.test(command)) return 'postgres';
  if (/beam\.smp|epmd|erl_child_setup|inet_gethost|rabbit/.test(command)) return 'rabbitmq';
  return 'other';
}

const SERVICES = ['users', 'catalog', 'payments', 'orders', 'notifications', 'gateway'];

/** `npm start` in a side's checkout: time to the status table, then the idle memory of everything it started. */
async function startAndMeasure(env: BenchEnv, side: Side): Promise<Measurement> {
  const ports = await freeSystemPorts();
  const lines: string[] = [];
  const logs = env.logFile(`npm-start-${side}`);
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const started = performance.now();
  const npm = await ManagedProcess.start('npm start', 'npm', ['start'], {
    cwd: env.rootOf(side),
    env: {
      ...process.env,
      SWITCHYARD_DATA_DIR: join(env.runDir, `npm-start-${side}`),
      SWITCHYARD_HTTP_PORT: String(ports.httpBasePort),
      SWITCHYARD_POSTGRES_PORT: String(ports.postgresPort),
      SWITCHYARD_AMQP_PORT: String(ports.amqpPort),
      SWITCHYARD_EPMD_PORT: String(ports.epmdPort),
      SWITCHYARD_RABBITMQ_DIST_PORT: String(ports.distPort),
      LOG_LEVEL: 'info',
    },
    onLine: (line) => {
      logs.write(`${line}\n`);
      lines.push(line);
      if (line.startsWith('Press Ctrl-C to stop.')) ready();
    },
  });
  // Ctrl-C as a terminal sends it: SIGINT to npm's process group; the runner stops what it started.
  const interrupt = async () => {
    try {
      process.kill(-npm.pid, 'SIGINT');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => npm.kill(), 60_000);
    await npm.exited;
    clearTimeout(timer);
  };
  const forget = env.cleanup.add({ name: `npm start (${side})`, stop: interrupt, kill: () => npm.kill() });
  try {
    const failed = npm.exited.then((exit) => {
      throw new Error(`npm start (${side}) exited (${exit.code ?? exit.signal}) before it was ready:\n${lines.slice(-20).join('\n')}`);
    });
    await Promise.race([isReady, failed, new Promise((_, reject) => setTimeout(() => reject(new Error(`npm start (${side}) not ready within 240 s`)), 240_000))]);
    failed.catch(() => undefined);
    const readyS = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const all = measureMemory([npm.pid]);
    const byPart = new Map<string, number[]>();
    for (const p of all.processes) {
      const part = partOf(p.command);
      byPart.set(part, [...(byPart.get(part) ?? []), p.pid]);
    }
    const part = (name: string) => measureMemory(byPart.get(name) ?? [], false);
    const services = SERVICES.map((name) => part(name).rssKb).filter((kb) => kb > 0);
    const npmCli = part('npm');
    return {
      readyS,
      rssKb: all.rssKb,
      footprintKb: all.footprintKb,
      withoutNpmRssKb: all.rssKb - npmCli.rssKb,
      npmRssKb: npmCli.rssKb,
      runnerRssKb: part('runner').rssKb,
      servicesRssKb: services.reduce((a, b) => a + b, 0),
      serviceMinRssKb: Math.min(...services),
      serviceMaxRssKb: Math.max(...services),
      esbuildRssKb: part('esbuild (tsx)').rssKb,
      postgresRssKb: part('postgres').rssKb,
      postgresFootprintKb: part('postgres').footprintKb,
      rabbitmqRssKb: part('rabbitmq').rssKb,
      processes: all.processes.length,
    };
  } finally {
    await forget();
  }
}

function variant(side: Side): Variant {
  return { id: side, label: `npm start (${side})`, measure: (env) => startAndMeasure(env, side) };
}

/** `npm start` to ready and the idle memory of the whole local system, before and after. */
export const startupMemory: Comparison = {
  id: 'startup-memory',
  title: '`npm start`: time to ready and idle memory of the whole local system',
  description:
    '`npm start` run in each side\'s checkout (the baseline as it was, the working tree as it is), with a data directory of its own that ' +
    'survives between rounds (a warm-up start initialises it and, after, builds dist/ once), timed from the command to its status table. ' +
    `After ${SETTLE_MS / 1000} s idle: the memory of every process it started, npm itself included — RSS summed (shared pages such as the ` +
    "node binary counted once per process, as the issue counted) and the footprint with shared pages counted once (see bench/lib/memory.ts).",
  setup: async (env) => {
    for (const side of (env.baseline ? ['before', 'after'] : ['after']) as Side[]) {
      env.log.info({ side }, 'warm-up start (data directory, first build), not measured');
      await startAndMeasure(env, side);
    }
  },
  variants: (env) => (env.baseline ? [variant('before'), variant('after')] : [variant('after')]),
  rows: (m) => {
    const rows: Row[] = [];
    const sides = (['before', 'after'] as const).filter((side) => m[side]);
    rows.push({
      what: '`npm start` to ready (median of the rounds)',
      result: sides.map((side) => `${m[side]!.readyS!.toFixed(1)} s (${side})`).join(' → '),
      comparedWith: 'from the command to the status table',
    });
    for (const side of sides) {
      const r = m[side]!;
      rows.push({
        what: `idle memory of the whole local system (${side})`,
        result: `${mb(r.rssKb)} RSS, ${mb(r.footprintKb)} footprint`,
        comparedWith:
          `${side === 'after' ? '**target ≤ 600 MB** incl. Postgres and RabbitMQ; ' : ''}without npm itself ${mb(r.withoutNpmRssKb)} RSS; ` +
          `services ${mb(r.serviceMinRssKb)}–${mb(r.serviceMaxRssKb)} each (${mb(r.servicesRssKb)}), ${r.esbuildRssKb ? `tsx's esbuild ${mb(r.esbuildRssKb)}, ` : ''}` +
          `Postgres ${mb(r.postgresRssKb)} (${mb(r.postgresFootprintKb)} shared once), RabbitMQ ${mb(r.rabbitmqRssKb)}, runner ${mb(r.runnerRssKb)}, npm ${mb(r.npmRssKb)}`,
      });
    }
    return rows;
  },
};
