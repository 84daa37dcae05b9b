/** Retries always available on top of the earned ones, so a quiet gateway still retries a few failures. */
const BURST = 10;

/**
 * A token bucket that keeps retries to a share of the calls: every call earns `ratio` of a token, every
 * retry spends one. When a whole upstream fails, retries stop at that share instead of multiplying the
 * load on it by the number of attempts.
 */
export class RetryBudget {
  #tokens = BURST;

  constructor(private readonly ratio: number) {}

  /** Counts one call (its first attempt). */
  earn(): void {
    this.#tokens = Math.min(BURST, this.#tokens + this.ratio);
  }

  /** Takes one retry from the budget; false when it is spent. */
  trySpend(): boolean {
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
