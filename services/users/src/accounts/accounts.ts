import { randomBytes } from 'node:crypto';
import { buildEvent, outboxMessage, type TraceHeaders } from '@switchyard/contracts/events';
import { AppError, NotFoundError, UnauthorizedError } from '@switchyard/kit/errors';
import type { Logger } from '@switchyard/kit/log';
import { enqueueOutbox } from '@switchyard/kit/outbox';
import { withTransaction, type Pool } from '@switchyard/kit/postgres';
import type { LoginThrottle } from './login-throttle.js';
import { hashPassword, verifyPassword } from './password.js';
import type { TokenIssuer } from './token-issuer.js';
import { findCredentials, findUser, insertUser, type User } from './user-store.js';

const EVENT_SOURCE = '/switchyard/users';

export interface AccountsDeps {
  pool: Pool;
  tokens: TokenIssuer;
  log: Logger;
  scryptCost: number;
  throttle: LoginThrottle;
  /** Counts every password check (the expensive scrypt step), to see what reaches it. */
  onPasswordCheck?: () => void;
}

/** The caller went away (the gateway's deadline passed): nothing is stored for it. */
export class CallerGoneError extends AppError {
  constructor() {
    super(499, 'client_closed_request', 'The caller closed the request before it completed.');
  }
}

/** Registration, login and lookup of users: the domain of the users service. */
export class Accounts {
  private constructor(
    private readonly deps: AccountsDeps,
    // Verified against when the email is unknown, so both failures take the same time.
    private readonly decoyHash: string,
  ) {}

  static async create(deps: AccountsDeps): Promise<Accounts> {
    return new Accounts(deps, await hashPassword(randomBytes(32).toString('hex'), deps.scryptCost));
  }

  /**
   * Creates a user and, in the same transaction, the user.registered event in the outbox: both are
   * stored or neither is. The email is already trimmed and lower-cased by the input schema.
   */
  async register(input: { email: string; password: string; name: string }, trace: TraceHeaders = {}, signal?: AbortSignal): Promise<User> {
    const passwordHash = await hashPassword(input.password, this.deps.scryptCost);
    // Hashing takes a while; a caller that gave up meanwhile (its deadline passed, it answered 504)
    // must not find the account created after all.
    if (signal?.aborted) throw new CallerGoneError();
    const user = await withTransaction(this.deps.pool, async (db) => {
      const created = await insertUser(db, { email: input.email, name: input.name, passwordHash });
      const event = buildEvent('user.registered', EVENT_SOURCE, { userId: created.id, email: created.email, name: created.name }, created.id);
      await enqueueOutbox(db, outboxMessage(event, trace));
      return created;
    });
    this.deps.log.info({ userId: user.id }, 'user registered');
    return user;
  }

  /**
   * Issues a session token; an unknown email and a wrong password fail the same way. One check per
   * account at a time, and a growing pause after repeated failures (LoginThrottle), whatever address
   * the attempts come from.
   */
  async login(input: { email: string; password: string }): Promise<{ token: string; expiresAt: string }> {
    const { throttle } = this.deps;
    await throttle.acquire(input.email);
    let outcome: 'success' | 'failure' | 'error' = 'error';
    try {
      const found = await findCredentials(this.deps.pool, input.email);
      this.deps.onPasswordCheck?.();
      const ok = (await verifyPassword(input.password, found?.passwordHash ?? this.decoyHash)) && found !== undefined;
      outcome = ok ? 'success' : 'failure';
      if (!found || !ok) throw new UnauthorizedError('invalid_credentials', 'The email or password is incorrect.');
      return await this.deps.tokens.issue(found.user.id);
    } finally {
      await throttle.release(input.email, outcome);
    }
  }

  /** The user with this id, or 404. */
  async get(id: string): Promise<User> {
    const user = await findUser(this.deps.pool, id);
    if (!user) throw new NotFoundError('user_not_found', `No user with id ${id}.`);
    return user;
  }
}
