import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freshDatabase } from '../support/database.js';
import { request, withoutRequestId, type TestResponse } from '../support/http.js';
import { ed25519Pem } from '../support/keys.js';
import { capturedLogger } from '../support/logs.js';
import { ScriptedUpstream, json } from '../support/scripted-upstream.js';
import { startTestGateway, startTestUsers, type TestService } from '../support/services.js';
import { jwksOf, signToken } from '../support/tokens.js';

const limits = suite('gateway rate limits');
const KEY = ed25519Pem();
let users: ScriptedUpstream;
let catalog: ScriptedUpstream;
let usersUrl = '';
let catalogUrl = '';
let gateway: TestService | undefined;

limits.before.each(async () => {
  const jwks = await jwksOf(KEY);
  users = new ScriptedUpstream()
    .on('GET /.well-known/jwks.json', (_req, res) => json(res, 200, jwks))
    .on('GET /users/me', (_req, res) => json(res, 200, { id: 'me' }))
    .on('POST /sessions', (_req, res) => json(res, 200, { token: 't' }))
    .on('POST /users', (_req, res) => json(res, 201, { id: 'u' }));
  catalog = new ScriptedUpstream().on('GET /products', (_req, res) => json(res, 200, { items: [], nextCursor: null }));
  usersUrl = await users.start();
  catalogUrl = await catalog.start();
});

limits.after.each(async () => {
  await gateway?.stop();
  gateway = undefined;
  await catalog.stop();
  await users.stop();
});

async function startGateway(env: Record<string, string>): Promise<TestService> {
  gateway = await startTestGateway(usersUrl, capturedLogger('gateway').log, { CATALOG_URL: catalogUrl, ...env });
  return gateway;
}

const products = (headers: Record<string, string> = {}) => request(`${gateway!.url}/api/products`, { headers });
const login = () => request(`${gateway!.url}/api/sessions`, { method: 'POST', json: { email: 'a@b.c', password: 'guess' } });
const register = () => request(`${gateway!.url}/api/users`, { method: 'POST', json: { email: 'a@b.c', password: 'long enough pw', name: 'A' } });
const hits = (server: ScriptedUpstream, path: string) => server.hits.filter((h) => h.path === path).length;

/** The seconds until the window resets, as the RateLimit field states them for one policy. */
function resetOf(res: TestResponse, policy: string): number {
  const match = new RegExp(`"${policy}";r=\\d+;t=(\\d+)`).exec(res.headers.get('ratelimit') ?? '');
  assert.ok(match, `RateLimit names "${policy}": ${res.headers.get('ratelimit')}`);
  return Number(match[1]);
}

limits('every /api answer carries the RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers-10)', async () => {
  await startGateway({ RATE_LIMIT_IP: '5/60s' });
  const res = await products();
  assert.is(res.status, 200);
  assert.is(res.headers.get('ratelimit-policy'), '"ip";q=5;w=60');
  assert.match(res.headers.get('ratelimit') ?? '', /^"ip";r=4;t=(60|59)$/);
});

limits('past the per-address limit: 429 rate_limited with Retry-After and the limit fields, and the service is not called', async () => {
  await startGateway({ RATE_LIMIT_IP: '5/60s' });
  for (let i = 0; i < 5; i++) assert.is((await products()).status, 200);
  const refused = await products();
  assert.is(refused.status, 429);
  const reset = resetOf(refused, 'ip');
  assert.ok(reset >= 1 && reset <= 60);
  assert.equal(withoutRequestId(refused.body), {
    type: 'urn:switchyard:problem:rate_limited',
    title: 'Too Many Requests',
    status: 429,
    detail: `Rate limit "ip" (5 requests per 60 s) reached; retry in ${reset} s.`,
    code: 'rate_limited',
    policy: 'ip',
  });
  assert.is(refused.headers.get('content-type'), 'application/problem+json');
  assert.is(refused.headers.get('retry-after'), String(reset));
  assert.is(refused.headers.get('ratelimit-policy'), '"ip";q=5;w=60');
  assert.is(refused.headers.get('ratelimit'), `"ip";r=0;t=${reset}`);
  assert.is(hits(catalog, '/products'), 5);
});

limits('POST /api/sessions counts against a stricter bucket of its own, while other routes go on', async () => {
  await startGateway({ RATE_LIMIT_IP: '100/60s', RATE_LIMIT_SESSIONS: '3/60s' });
  const first = await login();
  assert.is(first.status, 200);
  assert.is(first.headers.get('ratelimit-policy'), '"ip";q=100;w=60, "sessions";q=3;w=60');
  for (let i = 0; i < 2; i++) assert.is((await login()).status, 200);
  const refused = await login();
  assert.equal([refused.status, refused.body.code, refused.body.policy], [429, 'rate_limited', 'sessions']);
  assert.is(hits(users, '/sessions'), 3);
  assert.is((await products()).status, 200);
  assert.is((await register()).status, 201);
});

limits('POST /api/users counts against a bucket of its own', async () => {
  await startGateway({ RATE_LIMIT_REGISTRATIONS: '2/600s' });
  assert.is((await register()).status, 201);
  const second = await register();
  assert.is(second.headers.get('ratelimit'), `"ip";r=5998;t=${resetOf(second, 'ip')}, "registrations";r=0;t=${resetOf(second, 'registrations')}`);
  const refused = await register();
  assert.equal([refused.status, refused.body.policy], [429, 'registrations']);
  assert.ok(resetOf(refused, 'registrations') > 590);
  assert.is(hits(users, '/users'), 2);
  assert.is((await login()).status, 200);
});

limits('an authenticated user has a limit of their own, counted once the token is verified', async () => {
  await startGateway({ RATE_LIMIT_USER: '3/60s' });
  const ada = { authorization: `Bearer ${await signToken(KEY, { sub: '00000000-0000-4000-8000-00000000000a' })}` };
  const bob = { authorization: `Bearer ${await signToken(KEY, { sub: '00000000-0000-4000-8000-00000000000b' })}` };
  const me = (headers: Record<string, string>) => request(`${gateway!.url}/api/users/me`, { headers });
  for (let i = 0; i < 3; i++) assert.is((await me(ada)).status, 200);
  const refused = await me(ada);
  assert.equal([refused.status, refused.body.policy], [429, 'user']);
  assert.match(refused.headers.get('ratelimit-policy') ?? '', /^"ip";q=6000;w=60, "user";q=3;w=60$/);
  assert.is((await me(bob)).status, 200);
  // Without a valid token nothing counts against a user.
  assert.is((await me({ authorization: 'Bearer forged' })).status, 401);
  assert.is(hits(users, '/users/me'), 4);
});

limits('the admin port is never rate limited', async () => {
  await startGateway({ RATE_LIMIT_IP: '2/60s' });
  for (let i = 0; i < 3; i++) await products();
  for (let i = 0; i < 5; i++) {
    const ready = await request(`${gateway!.adminUrl}/readyz`);
    assert.is(ready.status, 200);
    assert.is(ready.headers.get('ratelimit'), null);
  }
  assert.is((await request(`${gateway!.adminUrl}/metrics`)).status, 200);
});

limits('without TRUSTED_PROXIES, X-Forwarded-For is ignored: every request counts against the socket address', async () => {
  await startGateway({ RATE_LIMIT_IP: '3/60s' });
  for (const forwarded of ['1.1.1.1', '2.2.2.2', '3.3.3.3']) assert.is((await products({ 'x-forwarded-for': forwarded })).status, 200);
  assert.is((await products({ 'x-forwarded-for': '4.4.4.4' })).status, 429);
});

limits('with TRUSTED_PROXIES=1, the address the proxy appended is the client, and what the client wrote before it is not', async () => {
  await startGateway({ RATE_LIMIT_IP: '2/60s', TRUSTED_PROXIES: '1' });
  for (let i = 0; i < 2; i++) assert.is((await products({ 'x-forwarded-for': '203.0.113.7' })).status, 200);
  assert.is((await products({ 'x-forwarded-for': '203.0.113.7' })).status, 429);
  assert.is((await products({ 'x-forwarded-for': '198.51.100.1, 203.0.113.7' })).status, 429, 'a forged first entry does not escape the limit');
  assert.is((await products({ 'x-forwarded-for': '203.0.113.8' })).status, 200, 'another client has its own bucket');
  assert.is((await products({ 'x-forwarded-for': '2001:db8:1:2::1' })).status, 200);
  assert.is((await products({ 'x-forwarded-for': '2001:db8:1:2::ffff' })).status, 200);
  assert.is((await products({ 'x-forwarded-for': '2001:db8:1:2:aaaa::1' })).status, 429, 'an IPv6 client is limited by its /64');
});

limits('a login brute force from one address: 30 of 1,000 attempts reach the users service (which lets only a few reach a password check), the rest get 429 at the gateway', async () => {
  const db = await freshDatabase('gateway_brute');
  const usersLog = capturedLogger('users', 'info');
  const realUsers = await startTestUsers(db.url, KEY, usersLog.log);
  try {
    gateway = await startTestGateway(realUsers.url, capturedLogger('gateway').log);
    const victim = { email: 'victim@example.com', password: 'correct horse battery' };
    assert.is((await request(`${gateway.url}/api/users`, { method: 'POST', json: { ...victim, name: 'V' } })).status, 201);
    const answers = new Map<string, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < 1000) {
          const password = `wrong guess ${next++}`;
          const res = await request(`${gateway!.url}/api/sessions`, { method: 'POST', json: { email: victim.email, password } });
          const answer = `${res.status} ${res.body.code}`;
          answers.set(answer, (answers.get(answer) ?? 0) + 1);
        }
      }),
    );
    // The gateway stops 970 at its per-address limit; of the 30 it lets through, users' per-account
    // throttle (one check at a time, a growing pause after five failures) refuses most before scrypt.
    assert.is(answers.get('429 rate_limited'), 970);
    assert.is((answers.get('401 invalid_credentials') ?? 0) + (answers.get('429 login_throttled') ?? 0), 30, JSON.stringify(Object.fromEntries(answers)));
    assert.ok((answers.get('401 invalid_credentials') ?? 0) >= 1 && (answers.get('401 invalid_credentials') ?? 0) <= 10, JSON.stringify(Object.fromEntries(answers)));
    const reached = usersLog.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request finished' && l.path === '/sessions');
    assert.is(reached.length, 30);
  } finally {
    await gateway?.stop();
    gateway = undefined;
    await realUsers.stop();
    await db.drop();
  }
});

limits('a login brute force from 50 addresses: all 1,000 attempts pass the gateway, and the account throttle lets only 5 plus one per doubling pause reach a password check', async () => {
  const db = await freshDatabase('gateway_brute_many');
  const realUsers = await startTestUsers(db.url, KEY, capturedLogger('users').log);
  try {
    // Behind one trusted proxy, every attacker address is its own client (20 attempts each, under the 30/60s per address).
    gateway = await startTestGateway(realUsers.url, capturedLogger('gateway').log, { TRUSTED_PROXIES: '1' });
    const victim = { email: 'victim@example.com', password: 'correct horse battery' };
    assert.is((await request(`${gateway.url}/api/users`, { method: 'POST', json: { ...victim, name: 'V' } })).status, 201);
    const answers = new Map<string, number>();
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < 1000) {
          const attempt = next++;
          const res = await request(`${gateway!.url}/api/sessions`, {
            method: 'POST',
            json: { email: victim.email, password: `wrong guess ${attempt}` },
            headers: { 'x-forwarded-for': `198.51.100.${attempt % 50}` },
          });
          const answer = `${res.status} ${res.body.code}`;
          answers.set(answer, (answers.get(answer) ?? 0) + 1);
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const checked = answers.get('401 invalid_credentials') ?? 0;
    const summary = `${JSON.stringify(Object.fromEntries(answers))} in ${seconds.toFixed(1)} s`;
    process.stdout.write(`  (50 addresses: ${checked} of 1,000 attempts reached a password check; ${summary})\n`);
    // None is stopped by the per-address limit; the account's throttle answers every attempt it does not check.
    assert.is(answers.get('429 rate_limited'), undefined, summary);
    assert.is(checked + (answers.get('429 login_throttled') ?? 0), 1000, summary);
    // Five failures are free, then pauses of 1, 2, 4 … s: in t seconds at most 5 + log2(t + 1) + 1 checks.
    assert.ok(checked >= 5 && checked <= 5 + Math.floor(Math.log2(seconds + 1)) + 1, summary);
  } finally {
    await gateway?.stop();
    gateway = undefined;
    await realUsers.stop();
    await db.drop();
  }
});

limits.run();
