import type { JSONWebKeySet } from 'jose';
import { UnavailableError } from './errors.js';
import { tracedFetch } from './tracing/client-span.js';
import type { FetchKeySet } from './token-verifier.js';

const TIMEOUT_MS = 2_000;

/**
 * GETs or POSTs JSON to the first base URL that answers (users replicas locally; one Service URL on
 * Kubernetes, where kube-proxy picks a ready pod), trying the next one after a connection failure,
 * a timeout or a 5xx. Any other status is the answer.
 */
async function firstAnswer(urls: readonly string[], path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
  let failure: unknown;
  // Start at a random replica, so callers do not all lean on the first one.
  const start = Math.floor(Math.random() * urls.length);
  for (let i = 0; i < urls.length; i++) {
    const base = urls[(start + i) % urls.length]!;
    try {
      const res = await tracedFetch(new URL(path, base), { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) }, i);
      if (res.status < 500) return res;
      failure = new Error(`${base} answered ${res.status}`);
      await res.body?.cancel();
    } catch (err) {
      failure = err;
    }
  }
  throw new UnavailableError('auth_unavailable', 'The users service did not answer.', { cause: failure, headers: { 'retry-after': '1' } });
}

/** Fetches users' JSON Web Key Set from any of its base URLs. */
export function keySetFrom(urls: readonly string[]): FetchKeySet {
  return async () => {
    const res = await firstAnswer(urls, '/.well-known/jwks.json');
    if (res.status !== 200) throw new Error(`the key set answered ${res.status}`);
    return (await res.json()) as JSONWebKeySet;
  };
}

export interface ServiceCredentials {
  /** Base URLs of users, which issues service tokens. */
  urls: readonly string[];
  clientId: string;
  clientSecret: string;
}

/**
 * A calling service's tokens for the services it calls: users issues them (client credentials: this
 * service's id and secret), one per audience, valid for minutes. Each is kept until a minute before it
 * expires; concurrent calls share one fetch.
 */
export class ServiceTokens {
  readonly #tokens = new Map<string, { token: string; refreshAt: number }>();
  readonly #pending = new Map<string, Promise<string>>();

  constructor(private readonly credentials: ServiceCredentials) {}

  /** A token naming this service, for calls to the service named `audience`. */
  token(audience: string): Promise<string> {
    const held = this.#tokens.get(audience);
    if (held && held.refreshAt > Date.now()) return Promise.resolve(held.token);
    let pending = this.#pending.get(audience);
    if (!pending) {
      pending = this.#fetch(audience).finally(() => this.#pending.delete(audience));
      this.#pending.set(audience, pending);
    }
    return pending;
  }

  async #fetch(audience: string): Promise<string> {
    const { clientId, clientSecret, urls } = this.credentials;
    const res = await firstAnswer(urls, '/service-tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
      body: JSON.stringify({ audience }),
    });
    const body = (await res.json()) as { token?: string; expiresAt?: string; code?: string };
    if (res.status !== 200 || !body.token) {
      throw new UnavailableError('service_token_refused', `users refused a token for ${clientId} → ${audience} (${res.status} ${body.code ?? ''}).`);
    }
    // Renewed well before it expires: a quarter of its life early, at most a minute.
    const expiresAt = Date.parse(body.expiresAt!);
    this.#tokens.set(audience, { token: body.token, refreshAt: expiresAt - Math.min(60_000, (expiresAt - Date.now()) / 4) });
    return body.token;
  }
}
