import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Hit {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, hit: Hit) => void | Promise<void>;

/**
 * A real HTTP server on loopback whose answers a test scripts per `METHOD /path`, recording every
 * request it receives. It stands in for an upstream service when a test needs it to misbehave
 * (answer slowly, fail once) in ways the real services do not.
 */
export class ScriptedUpstream {
  readonly hits: Hit[] = [];
  readonly #handlers = new Map<string, Handler>();
  #server: Server | undefined;

  on(route: string, handler: Handler): this {
    this.#handlers.set(route, handler);
    return this;
  }

  async start(): Promise<string> {
    this.#server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const hit = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      this.hits.push(hit);
      const handler = this.#handlers.get(`${hit.method} ${hit.path.split('?')[0]}`);
      if (!handler) {
        res.writeHead(404).end();
        return;
      }
      await handler(req, res, hit);
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}

/** Sends a JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
