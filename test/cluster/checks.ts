/**
 * The cluster suite's check runner: named checks (behaviour sentences) run one after another, each
 * printed as it passes or fails, and one closing `N passed, N failed` line.
 *
 * Not uvu: the cluster suite is one long dependent sequence (a release is installed before its checks
 * and removed whatever happened, the load runs across several checks) whose counts join `npm test`'s
 * total; uvu reports per suite, runs hooks outside its counts and ends the process itself.
 */
export class Checks {
  passed = 0;
  failed = 0;
  readonly failures: string[] = [];

  constructor(private readonly out: (line: string) => void) {}

  /** Runs one check; a thrown error fails it. Resolves true when it passed. */
  async check(name: string, fn: () => Promise<void> | void): Promise<boolean> {
    const started = performance.now();
    try {
      await fn();
      this.passed += 1;
      this.out(`  ✓ ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
      return true;
    } catch (err) {
      this.failed += 1;
      this.failures.push(name);
      // uvu's assertions keep the expected and actual values in `expects`/`actual`, not in the message.
      const { message, expects, actual } = err as { message?: string; expects?: unknown; actual?: unknown };
      const detail = expects !== undefined || actual !== undefined ? `\nexpected: ${JSON.stringify(expects)}\nactual:   ${JSON.stringify(actual)}` : '';
      this.out(`  ✗ ${name}\n      ${(String(message ?? err) + detail).split('\n').join('\n      ')}`);
      return false;
    }
  }

  /** Counts a check that could not run because something it needs failed first. */
  notRun(name: string, because: string): void {
    this.failed += 1;
    this.failures.push(name);
    this.out(`  ✗ ${name}\n      not run: ${because}`);
  }

  /** Adds the counts of a suite run elsewhere (the e2e suite against the cluster). */
  add(passed: number, failed: number): void {
    this.passed += passed;
    this.failed += failed;
  }

  get summary(): string {
    return `${this.passed} passed, ${this.failed} failed`;
  }
}
