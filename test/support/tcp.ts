import { connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP listener that accepts connections and never answers: a server that hangs (a frozen Postgres, an API server behind a dead proxy). */
export async function blackHole(port = 0): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => count,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A TCP proxy from 127.0.0.1:port to 127.0.0.1:target: a dependency that "comes up" on a port a service was already given. */
export async function tcpProxy(port: number, target: number): Promise<{ close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A TCP proxy to 127.0.0.1:target that a test can disturb: holdReplies() keeps what the server sends
 * from reaching the client (requests still go through: a one-way stall), cut() drops every open
 * connection at once (a broken network path); connections made afterwards are forwarded normally.
 */
export async function controlledProxy(target: number): Promise<{ port: number; holdReplies: () => void; cut: () => void; close: () => Promise<void> }> {
  const pairs = new Set<{ client: Socket; upstream: Socket; holding: boolean }>();
  const server = createServer((client) => {
    const pair = { client, upstream: connect(target, '127.0.0.1'), holding: false };
    pairs.add(pair);
    for (const socket of [pair.client, pair.upstream]) socket.on('error', () => undefined);
    client.on('data', (chunk) => pair.upstream.write(chunk));
    pair.upstream.on('data', (chunk) => void (pair.holding || client.write(chunk)));
    const drop = () => {
      client.destroy();
      pair.upstream.destroy();
      pairs.delete(pair);
    };
    client.on('close', drop);
    pair.upstream.on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dropAll = () => {
    for (const pair of [...pairs]) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
  };
  return {
    port: (server.address() as { port: number }).port,
    holdReplies: () => {
      for (const pair of pairs) pair.holding = true;
    },
    cut: dropAll,
    close: () =>
      new Promise((resolve) => {
        dropAll();
        server.close(() => resolve());
      }),
  };
}

/** Resolves with the promise's value, or rejects when it takes longer than deadlineMs (a bound on stopping, not a speed test). */
export async function withinDeadline<T>(promise: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than its ${deadlineMs} ms deadline`)), deadlineMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
