/**
 * Steady load through the gateway from a worker thread (load-worker.ts), split into named phases.
 */
import { Worker } from 'node:worker_threads';
import { request } from '../support/http.js';

export interface LoadOptions {
  base: string;
  /** Requests per second, sent on schedule whatever the answers take. */
  rate: number;
  /** Keep-alive connections to the gateway. */
  connections: number;
  tokens: string[];
  /** Products to order (one unit each; the order is cancelled again): ones with plenty of stock. */
  productIds: string[];
}

export interface PhaseStats {
  name: string;
  seconds: number;
  sent: number;
  failed: number;
  /** The first failures, with their time, kind and status or error. */
  failures: string[];
  /** Failures counted by kind of request and status or error. */
  reasons: Record<string, number>;
  /** When each reason was seen first and last (HH:MM:SS.mmm), to place it against what was rolling. */
  spans: Record<string, [string, string]>;
  byKind: Record<string, { sent: number; failed: number }>;
}

export interface Load {
  /** Requests sent from now on count in this phase. */
  phase(name: string): void;
  /** Stops sending, waits for the answers in flight, and returns every phase. */
  stop(): Promise<PhaseStats[]>;
}

/** Registers `count` users and logs them in: the tokens the load's authenticated requests carry. */
export async function loadUsers(base: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const email = `load-${Date.now()}-${i}@example.com`;
    const password = 'a long enough password';
    const created = await request(`${base}/api/users`, { method: 'POST', json: { email, password, name: `Load ${i}` } });
    if (created.status !== 201) throw new Error(`registering a load user: ${created.status} ${created.text}`);
    const session = await request(`${base}/api/sessions`, { method: 'POST', json: { email, password } });
    if (session.status !== 200) throw new Error(`logging in a load user: ${session.status} ${session.text}`);
    tokens.push(session.body.token as string);
  }
  return tokens;
}

/** Starts the load in its own thread; the first phase is `baseline`. */
export function startLoad(options: LoadOptions): Load {
  // The worker is TypeScript too: it registers tsx in its own thread before loading the file.
  const file = JSON.stringify(new URL('./load-worker.ts', import.meta.url).href);
  const worker = new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${file}); })`, { eval: true, workerData: options });
  const result = new Promise<PhaseStats[]>((done, fail) => {
    worker.once('message', (message: { type: 'stats'; phases: PhaseStats[] }) => done(message.phases));
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`the load worker exited (${code}) before reporting`)));
  });
  return {
    phase: (name) => worker.postMessage({ type: 'phase', name }),
    stop: async () => {
      worker.postMessage({ type: 'stop' });
      const phases = await result;
      await worker.terminate();
      return phases;
    },
  };
}
