import { connect, createServer, type Server, type Socket } from 'node:net';

type Direction = 'requests' | 'replies';

/**
 * A TCP proxy on loopback in front of a real server that can hold the bytes of one or both
 * directions and let them go later, in order. Holding both is what a frozen process (SIGSTOP) looks
 * like from outside, for a server in this test process: requests arrive late, with their gRPC
 * deadline counted from arrival. Holding replies only is a reply lost on the way: the server
 * committed, the caller's deadline runs out.
 */
export class FreezableProxy {
  readonly #held = new Map<Direction, Array<() => void>>([
    ['requests', []],
    ['replies', []],
  ]);
  readonly #frozen = new Set<Direction>();
  readonly #sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly address: string,
  ) {}

  /** Listens on a free loopback port and forwards every connection to target (host:port). */
  static async start(target: string): Promise<FreezableProxy> {
    const [host, port] = target.split(':');
    let proxy: FreezableProxy | undefined;
    const server = createServer((client) => proxy!.#pair(client, connect(Number(port), host)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    proxy = new FreezableProxy(server, `127.0.0.1:${address.port}`);
    return proxy;
  }

  /** Holds the bytes of the given directions (both unless told) until thaw(). */
  freeze(...directions: Direction[]): void {
    for (const d of directions.length > 0 ? directions : (['requests', 'replies'] as const)) this.#frozen.add(d);
  }

  /** Lets everything held go, in order, and forwards freely again. */
  thaw(): void {
    for (const direction of this.#frozen) {
      this.#frozen.delete(direction);
      const held = this.#held.get(direction)!.splice(0);
      for (const send of held) send();
    }
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #pair(client: Socket, upstream: Socket): void {
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    const forward = (from: Socket, to: Socket, direction: Direction) =>
      from.on('data', (chunk: Buffer) => {
        const send = () => void (to.destroyed || to.write(chunk));
        if (this.#frozen.has(direction)) this.#held.get(direction)!.push(send);
        else send();
      });
    forward(client, upstream, 'requests');
    forward(upstream, client, 'replies');
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}
