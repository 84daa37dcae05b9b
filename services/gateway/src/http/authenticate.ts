import type { Middleware } from 'koa';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { UnauthorizedError, UnavailableError } from '@switchyard/kit/errors';

declare module 'koa' {
  interface DefaultState {
    /** The verified subject of the bearer token. */
    userId?: string;
  }
}

export interface AuthSettings {
  jwksUrl: string;
  issuer: string;
  audience: string;
  refreshCooldownMs: number;
}

const BEARER = /^Bearer +(\S+)$/i;

/**
 * Verifies bearer tokens against the users JWKS. The key set is cached and fetched again when a
 * token names an unknown kid (at most once per cooldown, so random kids cannot flood the users service).
 * Only EdDSA is accepted, so `alg: none` and algorithm swaps fail like a bad signature.
 */
export function authenticator(settings: AuthSettings): Middleware {
  const keys = createRemoteJWKSet(new URL(settings.jwksUrl), {
    timeoutDuration: 2_000,
    cooldownDuration: settings.refreshCooldownMs,
    cacheMaxAge: 600_000,
  });
  return async (ctx, next) => {
    const match = BEARER.exec(ctx.get('authorization'));
    if (!match) throw new UnauthorizedError('missing_token', 'A bearer token is required.');
    try {
      const { payload } = await jwtVerify(match[1]!, keys, {
        algorithms: ['EdDSA'],
        issuer: settings.issuer,
        audience: settings.audience,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      ctx.state.userId = payload.sub!;
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new UnauthorizedError('token_expired', 'The token has expired.');
      if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError) || err instanceof errors.JWKSInvalid) {
        throw new UnavailableError('auth_unavailable', 'Tokens cannot be verified right now.', { cause: err, headers: { 'retry-after': '1' } });
      }
      throw new UnauthorizedError('invalid_token', 'The token is not valid.');
    }
    await next();
  };
}
