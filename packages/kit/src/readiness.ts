/** A dependency check for /readyz: resolves when the dependency can serve, rejects otherwise. */
export type ReadinessCheck = () => Promise<void>;

const CHECK_TIMEOUT_MS = 1000;

/** Tracks whether a process should receive traffic: its dependencies answer and it is not draining. */
export class Readiness {
  #draining = false;
  readonly #checks = new Map<string, ReadinessCheck>();
  readonly #onDraining: Array<() => void> = [];

  /** Adds a named dependency check (database, broker, ...). */
  add(name: string, check: ReadinessCheck): this {
    this.#checks.set(name, check);
    return this;
  }

  /** Runs when draining starts (the gRPC server turns its health to NOT_SERVING). */
  onDraining(listener: () => void): this {
    this.#onDraining.push(listener);
    return this;
  }

  /** Called first on shutdown: from now on /readyz answers 503 so load balancers move away. */
  startDraining(): void {
    if (this.#draining) return;
    this.#draining = true;
    for (const listener of this.#onDraining) listener();
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Runs every check with a short timeout; reports each one by name. */
  async probe(): Promise<{ ready: boolean; status: string; checks: Record<string, string> }> {
    if (this.#draining) return { ready: false, status: 'draining', checks: {} };
    const entries = await Promise.all(
      [...this.#checks].map(async ([name, check]) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return [name, 'up'] as const;
        } catch {
          return [name, 'down'] as const;
        }
      }),
    );
    const ready = entries.every(([, state]) => state === 'up');
    return { ready, status: ready ? 'ready' : 'unready', checks: Object.fromEntries(entries) };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`check timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
