import type { TestResponse } from '../support/http.js';
import type { Auth, ShopClient } from '../support/shop-client.js';

/** What a client retries: gateway and upstream outages, and a key still held by an earlier attempt. */
const retriable = (res: TestResponse) => [502, 503, 504].includes(res.status) || (res.status === 409 && res.body?.code === 'request_in_progress');

/**
 * Repeats a request the way a careful client does (same Idempotency-Key, same order id) while the
 * answer says "try again", pausing between tries like a client's backoff; resolves with the first
 * other answer. Every status seen is recorded.
 */
export async function untilAnswered(call: () => Promise<TestResponse>, seen: number[] = [], timeoutMs = 60_000): Promise<TestResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call().catch((err: unknown) => ({ status: 0, body: { error: String(err) }, headers: new Headers(), text: '' }) as TestResponse);
    seen.push(res.status);
    if (res.status !== 0 && !retriable(res)) return res;
    if (Date.now() > deadline) throw new Error(`still ${res.status} after ${timeoutMs} ms: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Products with the most stock, so a workload never runs short. */
export const PRODUCTS = [
  '5eed0000-0000-4000-8000-000000000006', // timetable poster, 100
  '5eed0000-0000-4000-8000-000000000009', // rail spike opener, 80
  '5eed0000-0000-4000-8000-000000000005', // track gauge, 60
  '5eed0000-0000-4000-8000-000000000001', // whistle, 40
];

export const oneOf = (i: number) => [{ productId: PRODUCTS[i % PRODUCTS.length]!, quantity: 1 }];

/**
 * Shoppers that place orders and pay one in three (cancelling the others) in a loop until stopped,
 * each starting an order at most every paceMs (their think time, which keeps the stock from selling
 * out), retrying like careful clients: the traffic a fault happens under. Counts what it did and
 * every status seen.
 */
export class Workload {
  readonly statuses: number[] = [];
  /** Orders placed and then paid or cancelled. */
  completed = 0;
  /** Places answered 409 insufficient_stock. */
  shortOfStock = 0;
  #stopped = false;
  #failure: unknown;
  #running: Promise<unknown> | undefined;

  constructor(
    private readonly client: ShopClient,
    private readonly shoppers: Auth[],
    private readonly paceMs = 1000,
  ) {}

  start(): this {
    // A shopper that fails stops them all; stop() reports its error.
    this.#running = Promise.all(this.shoppers.map((auth, i) => this.#loop(auth, i))).catch((err: unknown) => {
      this.#stopped = true;
      this.#failure = err;
    });
    return this;
  }

  /** True until stopped, or until a shopper failed. */
  get running(): boolean {
    return !this.#stopped;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
    if (this.#failure) throw this.#failure;
  }

  async #loop(auth: Auth, shopper: number): Promise<void> {
    for (let n = 0; !this.#stopped; n++) {
      const next = new Promise((r) => setTimeout(r, this.paceMs));
      const placed = await untilAnswered(() => this.client.place(auth, oneOf(shopper + n)), this.statuses);
      // A product can run short for a while: cancelled orders give their stock back only once catalog hears of it.
      if (placed.status === 409 && placed.body.code === 'insufficient_stock') {
        this.shortOfStock += 1;
        await next;
        continue;
      }
      if (placed.status !== 201) throw new Error(`place answered ${placed.status}: ${placed.text}`);
      const id = placed.body.id as string;
      const paying = n % 3 === 0;
      const closed = await untilAnswered(() => (paying ? this.client.pay(auth, id) : this.client.cancel(auth, id)), this.statuses);
      // An outage longer than the order's time to pay may have ended it first (expired, or paid by the retried charge).
      const endedFirst = closed.status === 409 && ['order_not_payable', 'order_not_cancellable'].includes(closed.body?.code);
      if (closed.status !== 200 && !endedFirst) throw new Error(`${paying ? 'pay' : 'cancel'} answered ${closed.status}: ${closed.text}`);
      this.completed += 1;
      await next;
    }
  }
}
