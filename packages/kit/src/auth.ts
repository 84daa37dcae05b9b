import type { Metadata } from '@grpc/grpc-js';
import type { Middleware } from 'koa';
import { keySetFrom } from './auth-client.js';
import { AppError } from './errors.js';
import type { Logger } from './log.js';
import { KeySetCache, TokenVerifier, bearerToken, serviceAudience } from './token-verifier.js';

interface VerifierConfig {
  AUTH_URL: readonly string[];
  JWT_ISSUER: string;
  JWT_MAX_AGE_SECONDS: number;
  JWKS_REFRESH_COOLDOWN_MS: number;
}

/** A verifier of users' tokens whose keys come from users' key set (fetched at once, kept, refreshed on rotation). */
export function remoteVerifier(config: Readonly<VerifierConfig>, log: Logger): TokenVerifier {
  const keys = new KeySetCache(keySetFrom(config.AUTH_URL), config.JWKS_REFRESH_COOLDOWN_MS, log);
  keys.warm();
  return new TokenVerifier(keys.getKey, { issuer: config.JWT_ISSUER, maxAgeSeconds: config.JWT_MAX_AGE_SECONDS });
}

declare module 'koa' {
  interface DefaultState {
    /** The user a verified bearer token names (set by requireUser). */
    userId?: string;
  }
}

/**
 * Requires a valid user token (`Authorization: Bearer`, audience `audience`) and puts its subject in
 * ctx.state.userId. The gateway forwards the user's own token, so a service believes a signature, never
 * a header anyone who reaches the pod could send.
 */
export function requireUser(verifier: TokenVerifier, audience: string): Middleware {
  return async (ctx, next) => {
    const payload = await verifier.verify(bearerToken(ctx.get('authorization')), audience);
    ctx.state.userId = payload.sub;
    await next();
  };
}

/** Who may call a gRPC service: caller names (the `sub` of their service tokens), per method or `*`. */
export type CallerPolicy = Readonly<Record<string, readonly string[]>>;

/**
 * Checks a gRPC call's per-RPC credentials: a service token for this service (its audience) signed by
 * the issuer, whose subject the policy allows for the method. Resolves with the caller's name;
 * 401 (UNAUTHENTICATED) without a valid token, 403 (PERMISSION_DENIED) for a caller not allowed.
 */
export function callerCheck(verifier: TokenVerifier, service: string, policy: CallerPolicy) {
  const audience = serviceAudience(service);
  return async (metadata: Metadata, method: string): Promise<string> => {
    const header = metadata.get('authorization')[0];
    const { sub } = await verifier.verify(bearerToken(typeof header === 'string' ? header : undefined), audience);
    const allowed = policy[method] ?? policy['*'] ?? [];
    if (!allowed.includes(sub)) {
      throw new AppError(403, 'caller_not_allowed', `${sub} may not call ${service}.${method}.`);
    }
    return sub;
  };
}
