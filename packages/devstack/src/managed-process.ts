import { spawn, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcessOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with every line the process writes to stdout or stderr. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/**
 * A child process we own by pid: started in its own process group (so a terminal's Ctrl-C reaches
 * only the runner, which then stops children in order), its output read line by line, and stopped
 * with a signal, escalating to SIGKILL of the whole group after a timeout.
 */
export class ManagedProcess {
  readonly exited: Promise<ProcessExit>;
  #exit: ProcessExit | undefined;

  private constructor(
    readonly label: string,
    readonly pid: number,
    exited: Promise<ProcessExit>,
  ) {
    this.exited = exited.then((exit) => (this.#exit = exit));
  }

  /** Starts a command; fails if it cannot be started at all. */
  static async start(label: string, command: string, args: string[], options: ManagedProcessOptions = {}): Promise<ManagedProcess> {
    const spawnOptions: SpawnOptions = {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    };
    const child = spawn(command, args, spawnOptions);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const lines = createInterface({ input: child[stream]!, crlfDelay: Infinity });
      lines.on('line', (line) => options.onLine?.(line, stream));
    }
    const exited = new Promise<ProcessExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    return new ManagedProcess(label, child.pid!, exited);
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** Sends a signal and waits for exit; after timeoutMs the whole process group gets SIGKILL. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<ProcessExit> {
    if (!this.running) return this.exited;
    try {
      process.kill(this.pid, signal);
    } catch {
      return this.exited;
    }
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.kill();
        resolve();
      }, timeoutMs);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    return this.exited;
  }

  /** SIGKILL to the process group, without waiting. */
  kill(): void {
    if (!this.running) return;
    for (const target of [-this.pid, this.pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
