/**
 * The ports `npm start` listens on by default must all be reachable with fetch(): the Fetch standard
 * blocks some ports ("bad ports", e.g. 10080) and undici refuses them before connecting, as browsers
 * do. The runner's readiness wait uses fetch, so a service on such a port never counts as ready.
 * Nothing needs to listen: a refused connection and a "bad port" are told apart by the error.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readRunnerConfig } from '@switchyard/devstack/config';
import { SERVICES, adminPort, grpcPort, httpPort } from '@switchyard/devstack/service-catalog';

const ports = suite('the default ports of npm start');

/** Why fetch() would not call the port, or undefined when it would (connected or refused). */
async function fetchRefuses(port: number): Promise<string | undefined> {
  try {
    await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) })).arrayBuffer();
    return undefined;
  } catch (err) {
    const cause = (err as { cause?: { message?: string; code?: string } }).cause;
    return cause?.code === 'ECONNREFUSED' || cause?.code === 'ECONNRESET' ? undefined : `${port}: ${cause?.message ?? (err as Error).message}`;
  }
}

ports('fetch() may call every API, admin and gRPC port of every service (3 replicas each) and the runner\'s own', async () => {
  const config = readRunnerConfig({});
  const base = config.SWITCHYARD_HTTP_PORT;
  const all = SERVICES.flatMap((service) => [0, 1, 2].flatMap((replica) => [httpPort(service, base, replica), adminPort(service, base, replica), grpcPort(service, base, replica)]));
  all.push(config.SWITCHYARD_OTLP_PORT, config.SWITCHYARD_PROMETHEUS_PORT);
  const refused = (await Promise.all(all.filter((p): p is number => p !== undefined).map(fetchRefuses))).filter(Boolean);
  assert.equal(refused, []);
});

ports('the check can fail: fetch() refuses 10080, the gateway\'s admin port before it moved to + 2500', async () => {
  assert.is(await fetchRefuses(10080), '10080: bad port');
});

ports.run();
