import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { parseInput } from '@switchyard/kit/validate';
import type { Accounts } from '../accounts/accounts.js';
import type { ServiceClients } from '../accounts/service-clients.js';
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

const serviceTokenRequest = z.object({ audience: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a service name') });

export interface UserRouteDeps {
  accounts: Accounts;
  tokens: TokenIssuer;
  clients: ServiceClients;
  /** Requires a valid user token (ctx.state.userId). */
  requireUser: Middleware;
}

/** The users REST API: register, log in, who am I, service tokens, and the public signing keys. */
export function userRoutes(router: Router, { accounts, tokens, clients, requireUser }: UserRouteDeps): void {
  router.post('/users', async (ctx) => {
    const input = parseInput(registration, ctx.request.body);
    // Aborts when the caller goes away before the answer (its deadline passed).
    const gone = new AbortController();
    ctx.res.once('close', () => gone.abort());
    const user = await accounts.register(input, { traceparent: ctx.state.traceparent, 'x-request-id': ctx.state.requestId }, gone.signal);
    ctx.status = 201;
    ctx.set('location', '/users/me');
    ctx.body = user;
  });

  router.post('/sessions', async (ctx) => {
    ctx.body = await accounts.login(parseInput(credentials, ctx.request.body));
    ctx.set('cache-control', 'no-store');
  });

  router.get('/users/me', requireUser, async (ctx) => {
    ctx.body = await accounts.get(ctx.state.userId!);
  });

  // Client credentials: a service proves its id and secret and gets a short-lived token for another
  // service. Not routed by the gateway: only services reach it.
  router.post('/service-tokens', async (ctx) => {
    const client = clients.authenticate(ctx.get('authorization'));
    const { audience } = parseInput(serviceTokenRequest, ctx.request.body);
    ctx.body = await tokens.issueService(client, audience);
    ctx.set('cache-control', 'no-store');
  });

  router.get('/.well-known/jwks.json', (ctx) => {
    ctx.set('cache-control', 'public, max-age=300');
    ctx.body = tokens.jwks();
  });
}
