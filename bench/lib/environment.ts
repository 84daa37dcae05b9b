import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ManagedProcess } from '@switchyard/devstack/managed-process';
import { LOAD_TEST_GATEWAY_ENV } from '@switchyard/devstack/config';
import type { Logger } from '@switchyard/kit/log';
import { freePort, freeSystemPorts } from '../../test/support/ports.js';
import { NGINX, nginxAvailable, prepareNginx } from '../servers/nginx.js';
import type { Baseline } from './baseline.js';
import type { Cleanup } from './cleanup.js';

/** Which code a measurement runs: the working tree, or the baseline commit. */
export type Side = 'after' | 'before';

/**
 * The working tree's system as `npm start` runs it (caches on), or with catalog's product cache and the
 * gateway's response cache off: for comparisons of proxying itself (nginx caches nothing either) and
 * for the caches' own before/after.
 */
export type Caches = 'on' | 'off';

export interface BenchOptions {
  rounds: number;
  /** Seconds per measured run (each is preceded by a short warm-up). */
  durationS: number;
  warmupS: number;
  /** Comparison ids to run (all when empty). */
  only: string[];
  /**
   * Services (every process of them in the bench's local systems) and driver runs (by the name the run's
   * logs give them, e.g. sse-fanout-after) started with `--cpu-prof`: a V8 CPU profile per process in the
   * run folder's profiles/, written when it exits (bench/tools/profile-summary.ts reads one).
   */
  profile?: string[];
  /** V8 flags every service of the working tree's systems starts with (the baseline's runner has no such option). */
  v8Flags?: string[];
}

/** One replica of a running service. */
export interface ServiceAddress {
  url: string | undefined;
  adminUrl: string;
  grpcAddress?: string | undefined;
  pid: number;
}

/** A local system the bench started (LocalSystem of that side's code). */
export interface RunningSystem {
  side: Side;
  root: string;
  gatewayUrl: string;
  /** Superuser URL of its Postgres. */
  databaseUrl: string;
  amqpUrl: string;
  /** Its data directory (secrets.json holds the services' client secrets). */
  dataDir: string;
  service(name: string): ServiceAddress;
  pids(): number[];
}

// The shape of devstack's LocalSystem that the bench relies on, for either side's code.
interface LocalSystemLike {
  gatewayUrl: string;
  databaseUrl: string;
  amqpUrl: string;
  instances: Array<{ service: string; url: string | undefined; adminUrl: string; grpcAddress?: string | undefined; process: { pid: number } }>;
  start(): Promise<void>;
  stop(): Promise<void>;
  kill(): void;
  pids(): number[];
}

/**
 * What comparisons share, started on first use and stopped at the end by the bench's Cleanup: a local
 * system per side, nginx and a Koa hello-world, every process logging into the run's folder.
 */
export class BenchEnv {
  readonly #systems = new Map<string, Promise<RunningSystem>>();
  readonly #compiled = new Map<string, Promise<void>>();
  #nginx: Promise<string> | undefined;
  #nginxPid: number | undefined;
  #koa: Promise<string> | undefined;
  readonly #logs = new Map<string, WriteStream>();

  constructor(
    readonly root: string,
    readonly runDir: string,
    readonly options: BenchOptions,
    readonly baseline: Baseline | undefined,
    readonly log: Logger,
    readonly cleanup: Cleanup,
  ) {}

  /** The repository root that `side` runs. */
  rootOf(side: Side): string {
    if (side === 'before') {
      if (!this.baseline) throw new Error('this comparison needs a baseline (run without --baseline none)');
      return this.baseline.root;
    }
    return this.root;
  }

  /** A log file in the run's folder, for a process's output. */
  logFile(name: string): WriteStream {
    let stream = this.#logs.get(name);
    if (!stream) {
      stream = createWriteStream(join(this.runDir, 'logs', `${name}.log`), { flags: 'a' });
      this.#logs.set(name, stream);
    }
    return stream;
  }

  async closeLogs(): Promise<void> {
    await Promise.all([...this.#logs.values()].map((s) => new Promise((resolve) => s.end(resolve))));
  }

  /** The local system of one side, as `npm start` runs it there (for 'after', optionally without its caches). */
  system(side: Side, caches: Caches = 'on'): Promise<RunningSystem> {
    const key = caches === 'on' ? side : `${side}-uncached`;
    let system = this.#systems.get(key);
    if (!system) {
      system = this.#startSystem(side, caches);
      this.#systems.set(key, system);
    }
    return system;
  }

  /** Compiles a checkout once, however many of its systems start at the same time (they would race on dist/). */
  #compile(side: Side, root: string): Promise<void> {
    let compiled = this.#compiled.get(root);
    if (!compiled) {
      compiled = (async () => {
        const build = join(root, 'packages/devstack/src/build.ts');
        if (!existsSync(build)) return;
        const { buildWorkspaces } = (await import(pathToFileURL(build).href)) as typeof import('@switchyard/devstack/build');
        const report = await buildWorkspaces(root);
        if (report.built.length > 0) this.log.info({ side, workspaces: report.built, ms: report.ms }, 'compiled');
      })();
      this.#compiled.set(root, compiled);
    }
    return compiled;
  }

  async #startSystem(side: Side, caches: Caches): Promise<RunningSystem> {
    const name = caches === 'on' ? side : `${side}-uncached`;
    const root = this.rootOf(side);
    // Code that runs compiled (npm start builds first) is built here the same way; older code (a
    // baseline from before compiled runs) ignores the runtime option and runs its sources under tsx.
    await this.#compile(side, root);
    const { LocalSystem } = (await import(pathToFileURL(join(root, 'packages/devstack/src/system.ts')).href)) as {
      LocalSystem: new (options: Record<string, unknown>) => LocalSystemLike;
    };
    const ports = await freeSystemPorts();
    const logs = this.logFile(`system-${name}`);
    const dataDir = join(this.runDir, `system-${name}`);
    const uncached = caches === 'off' ? { catalog: { PRODUCT_READ_CACHE_ENTRIES: '0' }, gateway: { RESPONSE_CACHE_MAX_BYTES: '0' } } : { catalog: {}, gateway: {} };
    const system = new LocalSystem({
      rootDir: root,
      runtime: 'compiled',
      v8Flags: this.options.v8Flags ?? [],
      dataDir,
      ...ports,
      replicas: {},
      allowRabbitMqInstall: true,
      serviceLogLevel: 'info',
      // wrk is one address: the gateway's limits stay on (their cost is measured) but out of reach.
      serviceEnv: { gateway: { ...LOAD_TEST_GATEWAY_ENV, ...uncached.gateway }, catalog: uncached.catalog },
      serviceNodeFlags: Object.fromEntries((this.options.profile ?? []).map((service) => [service, this.#profileFlags(service, `${name}-${service}`)])),
      log: this.log.child({ system: name }),
      onServiceLine: (label: string, line: string) => logs.write(`${label} ${line}\n`),
    });
    this.cleanup.add({ name: `system (${name})`, stop: () => system.stop(), kill: () => system.kill() });
    this.log.info({ side, caches, root, httpBasePort: ports.httpBasePort }, 'starting the local system');
    await system.start();
    return {
      side,
      root,
      gatewayUrl: system.gatewayUrl,
      databaseUrl: system.databaseUrl,
      amqpUrl: system.amqpUrl,
      dataDir,
      service: (name) => {
        const instance = system.instances.find((i) => i.service === name);
        if (!instance) throw new Error(`no ${name} in the ${side} system`);
        return { url: instance.url, adminUrl: instance.adminUrl, grpcAddress: instance.grpcAddress, pid: instance.process.pid };
      },
      pids: () => system.pids(),
    };
  }

  /**
   * Starts a process for the rest of the run (or until its stop function is called), its output in the
   * run's logs; resolves once it printed `readyLine`, if given.
   */
  async startProcess(name: string, command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; readyLine?: string; timeoutMs?: number } = {}): Promise<{ process: ManagedProcess; lines: string[]; stop: () => Promise<void> }> {
    const logs = this.logFile(name);
    const lines: string[] = [];
    let seen: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (seen = resolve));
    const child = await ManagedProcess.start(name, command, args, {
      cwd: options.cwd ?? this.root,
      env: options.env ?? process.env,
      onLine: (line) => {
        logs.write(`${line}\n`);
        lines.push(line);
        if (lines.length > 500) lines.shift();
        if (options.readyLine && line.includes(options.readyLine)) seen();
      },
    });
    const stop = this.cleanup.add({ name, stop: async () => void (await child.stop('SIGTERM', 10_000)), kill: () => child.kill() });
    if (options.readyLine) {
      const timeoutMs = options.timeoutMs ?? 60_000;
      let timer: NodeJS.Timeout | undefined;
      const failed = new Promise<never>((_, reject) => {
        void child.exited.then((exit) => reject(new Error(`${name} exited (${exit.code ?? exit.signal}) before "${options.readyLine}":\n${lines.slice(-20).join('\n')}`)));
        timer = setTimeout(() => reject(new Error(`${name} did not print "${options.readyLine}" within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([ready, failed]);
      } catch (err) {
        await stop();
        throw err;
      } finally {
        clearTimeout(timer);
      }
    }
    return { process: child, lines, stop };
  }

  /** `--cpu-prof` into the run's profiles/<dir> when --profile names `name`; nothing otherwise. */
  #profileFlags(name: string, dir: string): string[] {
    return this.options.profile?.includes(name) ? ['--cpu-prof', `--cpu-prof-dir=${join(this.runDir, 'profiles', dir)}`] : [];
  }

  /** Runs a driver script (bench/drivers/…) to completion and parses the JSON it prints last. */
  async runDriver<T>(name: string, script: string, env: Record<string, string>, timeoutMs: number): Promise<T> {
    const { process: child, lines, stop } = await this.startProcess(name, process.execPath, [...this.#profileFlags(name, name), '--import', 'tsx', '--conditions=development', join(this.root, 'bench/drivers', script)], {
      env: { ...process.env, ...env },
    });
    const timer = setTimeout(() => child.kill(), timeoutMs);
    const exit = await child.exited;
    clearTimeout(timer);
    await stop();
    const last = [...lines].reverse().find((l) => l.startsWith('{"result"'));
    if (exit.code !== 0 || !last) throw new Error(`${script} failed (exit ${exit.code ?? exit.signal}):\n${lines.slice(-30).join('\n')}`);
    return (JSON.parse(last) as { result: T }).result;
  }

  /** nginx in front of the uncached after system's catalog, as the gateway there (see servers/nginx.ts). */
  nginx(): Promise<string> {
    this.#nginx ??= (async () => {
      if (!nginxAvailable()) throw new Error('nginx is not installed (Debian: apt-get install -y nginx)');
      const catalog = (await this.system('after', 'off')).service('catalog');
      const port = await freePort();
      const { args } = await prepareNginx(port, new URL(catalog.url!).host);
      const nginx = await this.startProcess('nginx', NGINX, args);
      this.#nginxPid = nginx.process.pid;
      await waitForHttp(`http://127.0.0.1:${port}/api/products?limit=1`, nginx.process);
      return `http://127.0.0.1:${port}`;
    })();
    return this.#nginx;
  }

  /** The pid of nginx's master process (its worker is its child). */
  async nginxPid(): Promise<number> {
    await this.nginx();
    return this.#nginxPid!;
  }

  /** The Koa hello-world (servers/koa-hello.ts). */
  koaHello(): Promise<string> {
    this.#koa ??= (async () => {
      const port = await freePort();
      await this.startProcess('koa-hello', process.execPath, ['--import', 'tsx', join(this.root, 'bench/servers/koa-hello.ts')], {
        env: { ...process.env, PORT: String(port) },
        readyLine: 'listening',
      });
      return `http://127.0.0.1:${port}`;
    })();
    return this.#koa;
  }

  async prepare(): Promise<void> {
    await mkdir(join(this.runDir, 'logs'), { recursive: true });
  }
}

/** Resolves once `url` answers 200, or fails when the process exits or 30 s pass. */
export async function waitForHttp(url: string, child?: { running: boolean }): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child && !child.running) throw new Error(`the process behind ${url} exited`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within 30 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
