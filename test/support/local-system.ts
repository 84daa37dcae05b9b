import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalSystem, type SystemOptions } from '@switchyard/devstack/system';
import { capturedLogger } from './logs.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Ports of a test system, apart from the defaults so a running `npm start` does not collide. */
export interface TestPorts {
  httpBasePort: number;
  postgresPort: number;
  amqpPort: number;
  epmdPort: number;
  distPort?: number;
}

/** The local system exactly as `npm start` runs it, in a temporary data directory. */
export async function startTestSystem(ports: TestPorts, overrides: Partial<SystemOptions> = {}): Promise<{ system: LocalSystem; lines: string[]; dataDir: string; cleanUp: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'switchyard-e2e-'));
  const lines: string[] = [];
  const system = new LocalSystem({
    rootDir: ROOT,
    dataDir,
    ...ports,
    replicas: {},
    allowRabbitMqInstall: true,
    serviceLogLevel: 'info',
    log: capturedLogger('switchyard').log,
    onServiceLine: (label, line) => lines.push(`${label} ${line}`),
    ...overrides,
    // Every test client is 127.0.0.1, one address: the gateway's per-address limits on logins and
    // registrations (tested on their own in test/gateway) would stop suites that sign up many users.
    serviceEnv: {
      ...overrides.serviceEnv,
      gateway: { RATE_LIMIT_SESSIONS: '100000/60s', RATE_LIMIT_REGISTRATIONS: '100000/60s', ...overrides.serviceEnv?.gateway },
    },
  });
  const cleanUp = async () => {
    await system.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await system.start();
  } catch (err) {
    await cleanUp();
    throw new Error(`the local system did not start; service output:\n${lines.slice(-40).join('\n')}`, { cause: err });
  }
  return { system, lines, dataDir, cleanUp };
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
