/** A dependency check for /readyz: resolves when the dependency can serve, rejects otherwise. */
export type ReadinessCheck = () => Promise<void>;

const CHECK_TIMEOUT_MS = 1000;

/** Tracks whether a process should receive traffic: its dependencies answer and it is not draining. */
export class Readiness {
  #started = false;
  #draining = false;
  readonly #checks = new Map<string, { check: ReadinessCheck; critical: boolean }>();
  readonly #onDraining: Array<() => void> = [];

  /**
   * Adds a named dependency check. A non-critical one is reported but does not make the process
   * unready: a service with an outbox keeps taking writes while the broker is away.
   */
  add(name: string, check: ReadinessCheck, options: { critical?: boolean } = {}): this {
    this.#checks.set(name, { check, critical: options.critical ?? true });
    return this;
  }

  /** Runs when draining starts (the gRPC server turns its health to NOT_SERVING). */
  onDraining(listener: () => void): this {
    this.#onDraining.push(listener);
    return this;
  }

  /** Called once the service has started: until then /readyz answers 503 `starting`. */
  markStarted(): void {
    this.#started = true;
  }

  get started(): boolean {
    return this.#started;
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
    if (!this.#started) return { ready: false, status: 'starting', checks: {} };
    const entries = await Promise.all(
      [...this.#checks].map(async ([name, { check, critical }]) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return [name, 'up', critical] as const;
        } catch {
          return [name, 'down', critical] as const;
        }
      }),
    );
    const ready = entries.every(([, state, critical]) => state === 'up' || !critical);
    return { ready, status: ready ? 'ready' : 'unready', checks: Object.fromEntries(entries.map(([name, state]) => [name, state])) };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`check timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
