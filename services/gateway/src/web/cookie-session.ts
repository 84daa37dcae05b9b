import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { Middleware, ParameterizedContext } from 'koa';
import { AppError } from '@switchyard/kit/errors';

/**
 * The cookie that carries a browser's session token (the users service's JWT). The __Secure- prefix
 * makes browsers refuse it unless it is set Secure from a secure origin, so a page on plain http
 * cannot plant one. (__Host- would also pin it to Path=/; this one is for /api only.)
 */
export const SESSION_COOKIE = '__Secure-switchyard_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

// HttpOnly: page scripts never see the token. Secure: browsers send it over HTTPS only (and treat
// http://localhost and 127.0.0.1 as secure, so `npm start` works). SameSite=Strict: no other site can
// make the browser send it; the storefront lives on this origin, so Strict costs it nothing (a link
// from elsewhere opens index.html, which needs no cookie; the page's own /api calls are same-site).
// Path=/api: the cookie goes with API calls only, not with every asset.
const COOKIE_ATTRIBUTES = { httpOnly: true, secure: true, sameSite: 'strict', path: '/api' } as const;

/** Set-Cookie for a new session that lives as long as its token. */
export function sessionCookie(token: string, maxAgeSeconds: number): string {
  return stringifySetCookie(SESSION_COOKIE, token, { ...COOKIE_ATTRIBUTES, maxAge: maxAgeSeconds });
}

/** Set-Cookie that removes the session cookie. */
export function clearedSessionCookie(): string {
  return stringifySetCookie(SESSION_COOKIE, '', { ...COOKIE_ATTRIBUTES, maxAge: 0, expires: new Date(0) });
}

/** The session token of the request's cookie, if it has one. */
export function sessionTokenOf(ctx: ParameterizedContext): string | undefined {
  const header = ctx.get('cookie');
  return (header && parseCookie(header)[SESSION_COOKIE]) || undefined;
}

/**
 * The CSRF token of a session: an HMAC keyed with the session token. Only the holder of the token
 * can compute it (the gateway; never page scripts, the cookie is HttpOnly), it needs no server-side
 * state or shared secret across gateway replicas, and it dies with the session. The page receives it
 * in the body of POST/GET /api/session, which another origin cannot read.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('switchyard csrf v1').digest('base64url');
}

/** Refuses (403) a request whose X-CSRF-Token does not belong to the session token. */
export function requireCsrfToken(ctx: ParameterizedContext, sessionToken: string): void {
  const sent = ctx.get(CSRF_HEADER);
  if (!sent) throw new AppError(403, 'csrf_token_missing', 'A request authenticated by the session cookie needs the X-CSRF-Token header.');
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(sent);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new AppError(403, 'csrf_token_invalid', 'The X-CSRF-Token header does not belong to this session.');
  }
}

/**
 * Lets a browser authenticate with its session cookie in front of `authenticate`: a request without
 * an Authorization header but with the cookie has the cookie's token put into `Authorization: Bearer`
 * (the exchange: everything after this sees a bearer request), and a state-changing one must carry
 * the session's CSRF token. Requests that bring their own Authorization header are left as they are.
 */
export function withSessionCookie(authenticate: Middleware): Middleware {
  return async (ctx, next) => {
    const token = ctx.get('authorization') ? undefined : sessionTokenOf(ctx);
    if (token) {
      if (!SAFE_METHODS.has(ctx.method)) requireCsrfToken(ctx, token);
      ctx.req.headers.authorization = `Bearer ${token}`;
    }
    return authenticate(ctx, next);
  };
}
