import { createServer } from 'node:net';

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/** The ports of a local system: the HTTP base (services, gRPC and admin ports derive from it) and the infrastructure's. */
export interface SystemPorts {
  httpBasePort: number;
  postgresPort: number;
  amqpPort: number;
  epmdPort: number;
  /** RabbitMQ's Erlang distribution port (its default, AMQP + 20000, would lie in the ephemeral range). */
  distPort: number;
  /** The trace receiver's and Prometheus' (only the suites that run them use these). */
  otlpPort: number;
  prometheusPort: number;
}

/**
 * A block of ports for a whole local system, all free a moment ago: base+0..9 (+100, +200 for replicas),
 * +1000 (gRPC), +2500 (admin), and +3000..3005 for Postgres, AMQP, epmd, the trace receiver, Prometheus
 * and RabbitMQ's distribution port. Random, so suites of two checkouts on one machine do not collide.
 */
export async function freeSystemPorts(): Promise<SystemPorts> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below Linux's ephemeral range (32768-60999): a port checked free there can be taken a moment later
    // by an outgoing connection's local port (a catalog gRPC port was, in a bench run).
    const base = 20_000 + 10 * Math.floor(Math.random() * 976);
    const ports = [0, 1000, 2500].flatMap((group) => [0, 100, 200].flatMap((replica) => Array.from({ length: 10 }, (_, i) => base + group + replica + i)));
    ports.push(base + 3000, base + 3001, base + 3002, base + 3003, base + 3004, base + 3005);
    let free = true;
    for (const port of ports) {
      if (await isListening(port)) {
        free = false;
        break;
      }
    }
    if (free) return { httpBasePort: base, postgresPort: base + 3000, amqpPort: base + 3001, epmdPort: base + 3002, otlpPort: base + 3003, prometheusPort: base + 3004, distPort: base + 3005 };
  }
  throw new Error('no free block of ports for a local system');
}
