import type Router from '@koa/router';
import { z } from 'zod';
import { UnauthorizedError } from '@switchyard/kit/errors';
import { USER_ID_HEADER } from '@switchyard/kit/identity';
import { parseInput } from '@switchyard/kit/validate';
import type { Accounts } from '../accounts/accounts.js';
import type { TokenIssuer } from '../accounts/token-issuer.js';

const email = z.string().trim().toLowerCase().pipe(z.email('must be a valid email address').max(254));

const registration = z.object({
  email,
  password: z.string().min(8, 'must be at least 8 characters').max(256, 'must be at most 256 characters'),
  name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
});

const credentials = z.object({
  email: z.string().trim().toLowerCase().min(1).max(254),
  password: z.string().min(1).max(256),
});

const userId = z.uuid('must be a UUID');

/** The users REST API: register, log in, who am I, look up, and the public signing keys. */
export function userRoutes(router: Router, accounts: Accounts, tokens: TokenIssuer): void {
  router.post('/users', async (ctx) => {
    const input = parseInput(registration, ctx.request.body);
    const user = await accounts.register(input, { traceparent: ctx.state.traceparent, 'x-request-id': ctx.state.requestId });
    ctx.status = 201;
    ctx.set('location', `/users/${user.id}`);
    ctx.body = user;
  });

  router.post('/sessions', async (ctx) => {
    ctx.body = await accounts.login(parseInput(credentials, ctx.request.body));
    ctx.set('cache-control', 'no-store');
  });

  router.get('/users/me', async (ctx) => {
    // Set by the gateway after it verified the token; the gateway strips it from client requests.
    const id = userId.safeParse(ctx.get(USER_ID_HEADER));
    if (!id.success) throw new UnauthorizedError('unauthenticated', 'This endpoint needs an authenticated user.');
    ctx.body = await accounts.get(id.data);
  });

  router.get('/users/:id', async (ctx) => {
    ctx.body = await accounts.get(parseInput(userId, ctx.params.id));
  });

  router.get('/.well-known/jwks.json', (ctx) => {
    ctx.set('cache-control', 'public, max-age=300');
    ctx.body = tokens.jwks();
  });
}
