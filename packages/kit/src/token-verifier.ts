import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { UnauthorizedError, UnavailableError } from './errors.js';
import type { Logger } from './log.js';

/** Where a verifier gets the issuer's public keys: fetches the current key set (users' JWKS). */
export type FetchKeySet = () => Promise<JSONWebKeySet>;

export interface VerifierOptions {
  /** The `iss` every token must carry. */
  issuer: string;
  /** Tokens older than this (by `iat`) are refused, whatever their `exp`. */
  maxAgeSeconds: number;
  /** Allowed clock difference for `exp`, `nbf` and an `iat` in the future. */
  clockToleranceSeconds?: number;
  /** Verified tokens kept, so a token used again costs a map lookup, not a signature check. */
  cacheSize?: number;
}

/** The audience of tokens for calls to a service (user tokens carry JWT_AUDIENCE instead). */
export const serviceAudience = (service: string) => `urn:switchyard:service:${service}`;

const CANONICAL = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * A token is accepted only in its canonical compact form: three base64url segments without padding,
 * each decoding and re-encoding to itself. Otherwise one signed token has many spellings (appended `=`,
 * other trailing bits), and caches, logs and replay checks keyed by the token string could be fooled.
 */
export function isCanonicalJwt(token: string): boolean {
  return CANONICAL.test(token) && token.split('.').every((part) => Buffer.from(part, 'base64url').toString('base64url') === part);
}

/**
 * A key set fetched from the issuer and kept: fetched again when a token names an unknown kid (key
 * rotation), at most once per cooldown, failed fetches included, so random kids cannot make it hammer
 * the issuer. jose's createRemoteJWKSet takes one URL and fetches on its own; here the fetch is given,
 * so it goes through the caller's pool to any ready replica of users.
 */
export class KeySetCache {
  #keys: JWTVerifyGetKey | undefined;
  #lastFetch = -Infinity;
  #fetching: Promise<JWTVerifyGetKey> | undefined;

  constructor(
    private readonly fetchKeySet: FetchKeySet,
    private readonly cooldownMs: number,
    private readonly log?: Logger,
  ) {}

  /**
   * Fetches the key set now (a warm-up at start). A failure is logged at debug and the keys are fetched
   * again for the first token: every service starts at once, so the issuer may not listen yet, and a
   * warning for that would be noise on every start.
   */
  warm(): void {
    void this.#refresh(true).catch(() => undefined);
  }

  /** The getKey function jose's jwtVerify takes. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const keys = this.#keys ?? (await this.#refresh());
    try {
      return await keys(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || Date.now() - this.#lastFetch < this.cooldownMs) throw err;
      return (await this.#refresh())(header, token);
    }
  };

  #refresh(warmUp = false): Promise<JWTVerifyGetKey> {
    if (this.#fetching) return this.#fetching;
    if (Date.now() - this.#lastFetch < this.cooldownMs && this.#keys) return Promise.resolve(this.#keys);
    this.#lastFetch = Date.now();
    this.#fetching = this.fetchKeySet()
      .then((set) => {
        this.#keys = createLocalJWKSet(set);
        return this.#keys;
      })
      .catch((err: unknown) => {
        if (warmUp) this.log?.debug({ err }, 'the signing keys could not be fetched yet; the first token fetches them again');
        else this.log?.warn({ err }, 'the signing keys could not be fetched');
        throw new UnavailableError('auth_unavailable', 'Tokens cannot be verified right now.', { cause: err, headers: { 'retry-after': '1' } });
      })
      .finally(() => (this.#fetching = undefined));
    return this.#fetching;
  }
}

/**
 * Verifies EdDSA tokens of one issuer for a given audience: canonical encoding, signature, `iss`, `aud`,
 * `exp`, an `iat` neither in the future nor older than the maximum age. Every failure is an AppError:
 * 401 token_expired or invalid_token, or 503 auth_unavailable when the keys cannot be had. Verified
 * tokens are cached until they expire (bounded; the oldest entries go first).
 */
export class TokenVerifier {
  readonly #cache = new Map<string, JWTPayload>();

  constructor(
    private readonly keys: JWTVerifyGetKey,
    private readonly options: VerifierOptions,
  ) {}

  async verify(token: string, audience: string): Promise<JWTPayload & { sub: string }> {
    const cacheKey = `${audience} ${token}`;
    const now = Date.now() / 1000;
    const cached = this.#cache.get(cacheKey);
    if (cached && cached.exp! > now && now - cached.iat! <= this.options.maxAgeSeconds) return cached as JWTPayload & { sub: string };
    if (cached) this.#cache.delete(cacheKey);
    if (!isCanonicalJwt(token)) throw new UnauthorizedError('invalid_token', 'The token is not valid.');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        algorithms: ['EdDSA'],
        issuer: this.options.issuer,
        audience,
        requiredClaims: ['sub', 'exp', 'iat'],
        maxTokenAge: this.options.maxAgeSeconds,
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
      }));
    } catch (err) {
      if (err instanceof UnavailableError) throw err;
      if (err instanceof errors.JWTExpired) throw new UnauthorizedError('token_expired', 'The token has expired.');
      if (err instanceof errors.JOSEError) throw new UnauthorizedError('invalid_token', 'The token is not valid.');
      throw err;
    }
    if (this.#cache.size >= (this.options.cacheSize ?? 10_000)) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(cacheKey, payload);
    return payload as JWTPayload & { sub: string };
  }
}

const BEARER = /^Bearer +(\S+)$/i;

/** The bearer token of an Authorization header value; 401 missing_token without one. */
export function bearerToken(authorization: string | undefined): string {
  const match = BEARER.exec(authorization ?? '');
  if (!match) throw new UnauthorizedError('missing_token', 'A bearer token is required.');
  return match[1]!;
}
