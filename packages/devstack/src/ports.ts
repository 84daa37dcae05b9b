import { connect, createServer } from 'node:net';

/** Thrown when a port the local system needs is taken. */
export class PortBusyError extends Error {
  constructor(
    readonly port: number,
    readonly owner: string,
  ) {
    super(`port ${port} (${owner}) is already in use on 127.0.0.1: stop what listens there or choose other ports`);
    this.name = 'PortBusyError';
  }
}

/** Resolves when nothing listens on 127.0.0.1:port, else throws PortBusyError naming it. */
export async function assertPortFree(port: number, owner: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortBusyError(port, owner) : err));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Checks every (port, owner) pair and reports the first busy one. */
export async function assertPortsFree(ports: ReadonlyArray<readonly [number, string]>): Promise<void> {
  for (const [port, owner] of ports) await assertPortFree(port, owner);
}

/** Resolves when a TCP connection to host:port succeeds, or rejects after timeoutMs. */
export async function waitForPort(port: number, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`the process that should listen on port ${port} exited`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
}
