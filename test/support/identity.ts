import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { serviceAudience } from '@switchyard/kit/token-verifier';
import { ed25519Pem } from './keys.js';
import { jwksOf, signToken } from './tokens.js';

/** The client secret every calling service uses in tests (users' test registry holds its hash). */
export const TEST_CLIENT_SECRET = 'test-client-secret-0123456789-abcdefghij';

/** users' SERVICE_CLIENTS entry for a calling service with the test secret. */
export const testServiceClients = (...names: string[]) =>
  names.map((name) => `${name}:${createHash('sha256').update(TEST_CLIENT_SECRET).digest('hex')}`).join(',');

/**
 * A stand-in for users as the token issuer, for suites that test a service without users: it publishes
 * the key set of `key` and issues service tokens (client credentials with TEST_CLIENT_SECRET), exactly
 * as users does. A suite that runs the real users gives it the same key, so tokens from either verify
 * everywhere. (A real HTTP server on loopback; the signing is jose's, as in users.)
 */
export interface TestIssuer {
  /** Base URL: AUTH_URL for the services under test. */
  url: string;
  /** The Ed25519 private key (PKCS#8 PEM): JWT_PRIVATE_KEY for a real users in the same suite. */
  key: string;
  /** A user session token, as users issues them. */
  userToken(userId: string): Promise<string>;
  /** A service token naming `caller`, for calls to `service`. */
  serviceToken(caller: string, service: string): Promise<string>;
}

let issuer: Promise<TestIssuer> | undefined;

/** The process's test issuer, started on first use. */
export function testIssuer(): Promise<TestIssuer> {
  issuer ??= start();
  return issuer;
}

async function start(): Promise<TestIssuer> {
  const key = ed25519Pem();
  const jwks = await jwksOf(key);
  const serviceToken = (caller: string, service: string) => signToken(key, { sub: caller, aud: serviceAudience(service), expiresIn: 300 });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        if (req.method === 'GET' && req.url === '/.well-known/jwks.json') return send(res, 200, jwks);
        if (req.method === 'POST' && req.url === '/service-tokens') {
          const [client, secret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':');
          if (secret !== TEST_CLIENT_SECRET || !client) return send(res, 401, { code: 'invalid_client' });
          const { audience } = JSON.parse(Buffer.concat(chunks).toString()) as { audience: string };
          return send(res, 200, { token: await serviceToken(client, audience), expiresAt: new Date(Date.now() + 300_000).toISOString() });
        }
        return send(res, 404, { code: 'route_not_found' });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    key,
    userToken: (userId) => signToken(key, { sub: userId }),
    serviceToken,
  };
}

function send(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
