import { Pool } from 'undici';

export interface ApiResponse {
  status: number;
  // The public API's JSON, read by the journeys field by field.
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

export interface ShopClientOptions {
  /** The gateway's base URL (`http://127.0.0.1:8080`); a trailing `/api` is accepted too. */
  baseUrl: string;
  /** Keep-alive connections to the gateway at most. */
  connections: number;
  /** Per request, headers to body end. */
  timeoutMs: number;
}

export interface Card {
  number: string;
  expiry: string;
  cvc: string;
}

/** A client of the public API (through the gateway) over one keep-alive connection pool. */
export class ShopClient {
  readonly #pool: Pool;
  readonly #timeoutMs: number;

  constructor(options: ShopClientOptions) {
    const url = new URL(options.baseUrl.replace(/\/api\/?$/, ''));
    this.#pool = new Pool(url.origin, { connections: options.connections, keepAliveTimeout: 10_000 });
    this.#timeoutMs = options.timeoutMs;
  }

  /** One request; the JSON body (or `{}`) and the status. Network errors reject (undici's codes). */
  async request(method: string, path: string, options: { json?: unknown; token?: string | undefined; headers?: Record<string, string> } = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    const res = await this.#pool.request({ method: method as 'GET', path, headers, body, headersTimeout: this.#timeoutMs, bodyTimeout: this.#timeoutMs });
    const text = await res.body.text();
    let parsed: Record<string, unknown> = {};
    if (text.length > 0 && String(res.headers['content-type'] ?? '').includes('json')) parsed = JSON.parse(text) as Record<string, unknown>;
    return { status: res.statusCode, body: parsed, headers: res.headers };
  }

  register(email: string, password: string, name: string): Promise<ApiResponse> {
    return this.request('POST', '/api/users', { json: { email, password, name } });
  }

  login(email: string, password: string): Promise<ApiResponse> {
    return this.request('POST', '/api/sessions', { json: { email, password } });
  }

  me(token: string): Promise<ApiResponse> {
    return this.request('GET', '/api/users/me', { token });
  }

  listProducts(cursor?: string): Promise<ApiResponse> {
    return this.request('GET', `/api/products?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  }

  getProduct(id: string): Promise<ApiResponse> {
    return this.request('GET', `/api/products/${id}`);
  }

  placeOrder(token: string, items: Array<{ productId: string; quantity: number }>, idempotencyKey: string): Promise<ApiResponse> {
    return this.request('POST', '/api/orders', { token, json: { items }, headers: { 'idempotency-key': idempotencyKey } });
  }

  pay(token: string, orderId: string, card: Card): Promise<ApiResponse> {
    return this.request('POST', `/api/orders/${orderId}/pay`, { token, json: { card } });
  }

  cancel(token: string, orderId: string): Promise<ApiResponse> {
    return this.request('POST', `/api/orders/${orderId}/cancel`, { token });
  }

  /**
   * Opens the caller's notification stream with `Last-Event-ID: 0` (a replay of everything so far), and
   * resolves with the status and the time to the first `notification` event, after holding the stream
   * open for holdMs and counting the events that arrived.
   */
  async listen(token: string, holdMs: number): Promise<{ status: number; firstEventMs: number | undefined; events: number }> {
    const started = performance.now();
    const controller = new AbortController();
    const res = await this.#pool.request({
      method: 'GET',
      path: '/api/notifications/stream',
      headers: { accept: 'text/event-stream', authorization: `Bearer ${token}`, 'last-event-id': '0' },
      signal: controller.signal,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: 0,
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return { status: res.statusCode, firstEventMs: undefined, events: 0 };
    }
    let firstEventMs: number | undefined;
    let events = 0;
    const hold = setTimeout(() => controller.abort(), holdMs);
    try {
      let buffer = '';
      for await (const chunk of res.body) {
        buffer += (chunk as Buffer).toString('utf8');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (frame.split('\n').includes('event: notification')) {
            events += 1;
            firstEventMs ??= performance.now() - started;
          }
        }
      }
    } catch (err) {
      if (!controller.signal.aborted) throw err;
    } finally {
      clearTimeout(hold);
    }
    return { status: 200, firstEventMs, events };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
