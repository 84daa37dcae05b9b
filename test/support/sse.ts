/** One Server-Sent Event as a client sees it. */
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

import { Agent, fetch } from 'undici';

/**
 * A real SSE client over fetch: parses frames as they arrive, keeps comment lines (heartbeats)
 * apart, and can be closed from the test. Each client has a connection pool of its own, destroyed
 * on close: a socket the shared pool kept would hold a server's close() open.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  contentType = '';
  #controller = new AbortController();
  readonly #agent = new Agent();
  #wake: (() => void) | undefined;
  #done: Promise<void> | undefined;

  static async open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const client = new SseClient();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: client.#controller.signal, dispatcher: client.#agent });
    client.status = res.status;
    client.contentType = res.headers.get('content-type') ?? '';
    if (res.body) client.#done = client.#read(res.body);
    return client;
  }

  async #read(body: AsyncIterable<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { data: '' };
          const data: string[] = [];
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) event.event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) {
            event.data = data.join('\n');
            this.events.push(event);
          }
          this.#wake?.();
        }
      }
    } catch {
      // aborted by close()
    }
  }

  /** Waits until `count` events arrived (or fails after timeoutMs). */
  async waitFor(count: number, timeoutMs = 10_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.events.length} of ${count} events arrived within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.events.slice(0, count);
  }

  async close(): Promise<void> {
    this.#controller.abort();
    await this.#done;
    await this.#agent.destroy();
  }
}
