import type Router from '@koa/router';
import { decodeJwt } from 'jose';
import type { Middleware } from 'koa';
import { z } from 'zod';
import type { BrowserSession } from '@switchyard/contracts/public-api';
import { UnauthorizedError } from '@switchyard/kit/errors';
import { REQUEST_ID_HEADER } from '@switchyard/kit/identity';
import type { EdgeGuards } from '../http/proxy-routes.js';
import { manualTraceparent } from '@switchyard/kit/tracing/context';
import type { Upstream } from '../upstream/upstream.js';
import { clearedSessionCookie, csrfTokenFor, requireCsrfToken, sessionCookie, sessionTokenOf } from './cookie-session.js';

const usersSession = z.object({ token: z.string().min(1), expiresAt: z.iso.datetime({ offset: true }) });
// Relayed from users as they came when a login fails (the problem document and what goes with it).
const RELAYED_HEADERS = ['content-type', 'retry-after', 'www-authenticate'];

/**
 * The browser session, a cookie mode beside the bearer API:
 * - POST /api/session {email, password}: logs in through users (POST /sessions), keeps the token in
 *   the HttpOnly session cookie, and answers {csrfToken, expiresAt}, never the token;
 * - GET /api/session: the CSRF token and expiry of the cookie's session (after a page reload);
 * - DELETE /api/session: removes the cookie (CSRF-checked like every cookie write); 204.
 * A login needs no CSRF token: its JSON body cannot come from a cross-site form, and a cross-origin
 * fetch with that content type is stopped by the CORS preflight the gateway never grants.
 */
export function sessionRoutes(router: Router, upstreams: ReadonlyMap<string, Upstream>, guards: EdgeGuards): void {
  const users = upstreams.get('users');
  if (!users) throw new Error('the session routes need the users upstream');
  const { shed, limitAddress, authenticate } = guards;

  // The same guards as POST /api/sessions (shared limits): the browser's login is no way around them.
  router.post('/api/session', shed, limitAddress, guards.limitRoute.sessions, async (ctx) => {
    const res = await users.request({
      method: 'POST',
      path: '/sessions',
      headers: { 'content-type': ctx.get('content-type'), [REQUEST_ID_HEADER]: ctx.state.requestId, ...manualTraceparent(ctx.state.traceparent) },
      body: ctx.request.rawBody,
      idempotent: false,
    });
    ctx.set('cache-control', 'no-store');
    if (res.status !== 200) {
      for (const name of RELAYED_HEADERS) {
        const value = res.headers[name];
        if (value !== undefined) ctx.set(name, value);
      }
      ctx.status = res.status;
      ctx.body = res.body;
      return;
    }
    const session = usersSession.parse(JSON.parse(res.body.toString('utf8')));
    const maxAgeSeconds = Math.max(0, Math.floor((Date.parse(session.expiresAt) - Date.now()) / 1000));
    ctx.append('set-cookie', sessionCookie(session.token, maxAgeSeconds));
    ctx.body = { csrfToken: csrfTokenFor(session.token), expiresAt: session.expiresAt } satisfies BrowserSession;
  });

  const requireCookie: Middleware = async (ctx, next) => {
    if (!sessionTokenOf(ctx)) throw new UnauthorizedError('missing_session', 'There is no session cookie: log in with POST /api/session.');
    await next();
  };
  router.get('/api/session', shed, limitAddress, requireCookie, authenticate, (ctx) => {
    const token = sessionTokenOf(ctx)!;
    ctx.set('cache-control', 'no-store');
    // authenticate verified the token, so its claims can be read as they are.
    const expiresAt = new Date(decodeJwt(token).exp! * 1000).toISOString();
    ctx.body = { csrfToken: csrfTokenFor(token), expiresAt } satisfies BrowserSession;
  });

  router.delete('/api/session', shed, limitAddress, (ctx) => {
    const token = sessionTokenOf(ctx);
    if (token) requireCsrfToken(ctx, token);
    ctx.append('set-cookie', clearedSessionCookie());
    ctx.status = 204;
  });
}
