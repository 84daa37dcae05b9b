import { randomUUID } from 'node:crypto';
import { request, type TestResponse } from './http.js';

export type Auth = Record<string, string>;

export const GOOD_CARD = { number: '4242424242424242', expiry: '12/40', cvc: '123' };
export const DECLINED_CARD = { ...GOOD_CARD, number: '4000000000000002' };

/** A shopper's view of the system: the public API through the gateway at baseUrl. */
export class ShopClient {
  #counter = 0;

  constructor(readonly baseUrl: string) {}

  api(path: string): string {
    return `${this.baseUrl}/api${path}`;
  }

  /** A new user, signed in: its id and authorization header. */
  async signUp(): Promise<Auth & { userId: string }> {
    const email = `buyer${++this.#counter}-${randomUUID().slice(0, 8)}@example.com`;
    const created = await request(this.api('/users'), { method: 'POST', json: { email, password: 'long enough pw', name: 'Buyer' } });
    if (created.status !== 201) throw new Error(`registering answered ${created.status}: ${created.text}`);
    const session = await request(this.api('/sessions'), { method: 'POST', json: { email, password: 'long enough pw' } });
    if (session.status !== 200) throw new Error(`signing in answered ${session.status}: ${session.text}`);
    return { authorization: `Bearer ${session.body.token}`, userId: created.body.id };
  }

  place(auth: Auth, items: unknown, key: string | null = randomUUID()): Promise<TestResponse> {
    return request(this.api('/orders'), { method: 'POST', json: { items }, headers: headers(auth, key ? { 'idempotency-key': key } : {}) });
  }

  pay(auth: Auth, id: string, card: unknown = GOOD_CARD): Promise<TestResponse> {
    return request(this.api(`/orders/${id}/pay`), { method: 'POST', json: { card }, headers: headers(auth) });
  }

  cancel(auth: Auth, id: string): Promise<TestResponse> {
    return request(this.api(`/orders/${id}/cancel`), { method: 'POST', headers: headers(auth) });
  }

  order(auth: Auth, id: string): Promise<TestResponse> {
    return request(this.api(`/orders/${id}`), { headers: headers(auth) });
  }
}

/** The authorization header alone (an Auth may carry the user id too), plus extra headers. */
function headers(auth: Auth, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: auth.authorization!, ...extra };
}
