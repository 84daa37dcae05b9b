import { AppError } from '@switchyard/kit/errors';
import type { Pool } from '@switchyard/kit/postgres';

export interface ThrottleSettings {
  /** Failures in a row that cost nothing; after that every failure doubles the pause. */
  freeFailures: number;
  /** The longest pause between two attempts on one account. */
  maxDelaySeconds: number;
  /** How long an attempt in flight holds its account (longer than a password check takes). */
  holdSeconds: number;
}

/** A 429 for an account that must wait, with the time in Retry-After. */
export class LoginThrottledError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(429, 'login_throttled', 'Too many login attempts for this account; try again later.', {
      headers: { 'retry-after': String(retryAfterSeconds) },
      extensions: { retryAfterSeconds },
    });
  }
}

/**
 * Per-account login throttling in Postgres, so it holds across replicas and restarts: an attempt takes
 * its account's slot in one conditional upsert (so at most one password check per account runs at a
 * time, however many clients or addresses try in parallel), and each failure past `freeFailures`
 * doubles the pause before the next attempt, up to `maxDelaySeconds`. A success clears the account.
 * rate-limiter-flexible (used at the gateway) counts points in fixed windows; it has no per-key pause
 * that grows with consecutive failures, nor a single-flight slot, hence these three statements.
 */
export class LoginThrottle {
  constructor(
    private readonly pool: Pool,
    private readonly settings: ThrottleSettings,
  ) {}

  /** Takes the account's slot, or throws LoginThrottledError saying how long to wait. */
  async acquire(email: string): Promise<void> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO login_attempts AS a (email, next_attempt_at) VALUES ($1, now() + $2 * interval '1 second')
       ON CONFLICT (email) DO UPDATE SET next_attempt_at = now() + $2 * interval '1 second', updated_at = now()
         WHERE a.next_attempt_at <= now()
       RETURNING email`,
      [email, this.settings.holdSeconds],
    );
    if (rowCount === 1) return;
    const { rows: waiting } = await this.pool.query<{ wait: number }>(
      'SELECT greatest(1, ceil(extract(epoch FROM next_attempt_at - now())))::int AS wait FROM login_attempts WHERE email = $1',
      [email],
    );
    throw new LoginThrottledError(waiting[0]?.wait ?? 1);
  }

  /**
   * Records the outcome of the attempt that holds the slot: a success clears the account; a failure
   * counts (and may pause the account); an error (the check itself failed) only frees the slot.
   */
  async release(email: string, outcome: 'success' | 'failure' | 'error'): Promise<void> {
    if (outcome === 'success') {
      await this.pool.query('DELETE FROM login_attempts WHERE email = $1', [email]);
      return;
    }
    if (outcome === 'error') {
      await this.pool.query('UPDATE login_attempts SET next_attempt_at = now() WHERE email = $1', [email]);
      return;
    }
    const { freeFailures, maxDelaySeconds } = this.settings;
    await this.pool.query(
      `UPDATE login_attempts SET failures = failures + 1, updated_at = now(),
         next_attempt_at = now() + least($3, CASE WHEN failures + 1 > $2 THEN power(2, failures + 1 - $2 - 1) ELSE 0 END) * interval '1 second'
       WHERE email = $1`,
      [email, freeFailures, maxDelaySeconds],
    );
  }

  /** Forgets accounts quiet for a day (rows for unknown emails would otherwise pile up). */
  async prune(): Promise<number> {
    const { rowCount } = await this.pool.query("DELETE FROM login_attempts WHERE updated_at < now() - interval '1 day' AND next_attempt_at < now()");
    return rowCount ?? 0;
  }
}
