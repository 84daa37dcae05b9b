import type { Middleware } from 'koa';
import type { Logger } from '@switchyard/kit/log';
import { KeySetCache, TokenVerifier, bearerToken, type FetchKeySet } from '@switchyard/kit/token-verifier';

declare module 'koa' {
  interface DefaultState {
    /** The verified subject of the bearer token. */
    userId?: string;
    /** The verified bearer token, forwarded upstream as the proof of who the user is. */
    token?: string;
  }
}

export interface AuthSettings {
  /** Gets users' key set (through the users upstream: any ready replica). */
  fetchKeySet: FetchKeySet;
  issuer: string;
  audience: string;
  maxAgeSeconds: number;
  refreshCooldownMs: number;
  log: Logger;
}

/**
 * Verifies bearer tokens against users' key set: only EdDSA, the canonical encoding, the issuer, the
 * audience, expiry, an `iat` neither in the future nor past the maximum age. The key set is kept and
 * fetched again when a token names an unknown kid, at most once per cooldown (failed fetches too), so
 * random kids cannot flood users. Verified tokens are cached until they expire. The token itself is
 * what the gateway forwards: the services behind verify it again and trust no header.
 */
export function authenticator(settings: AuthSettings): Middleware {
  const keys = new KeySetCache(settings.fetchKeySet, settings.refreshCooldownMs, settings.log);
  const verifier = new TokenVerifier(keys.getKey, { issuer: settings.issuer, maxAgeSeconds: settings.maxAgeSeconds });
  return async (ctx, next) => {
    const token = bearerToken(ctx.get('authorization'));
    ctx.state.userId = (await verifier.verify(token, settings.audience)).sub;
    ctx.state.token = token;
    await next();
  };
}
