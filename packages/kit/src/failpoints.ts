import { setTimeout as sleep } from 'node:timers/promises';
import type Router from '@koa/router';
import { z } from 'zod';
import { NotFoundError } from './errors.js';
import type { Logger } from './log.js';
import { parseInput } from './validate.js';

/**
 * Failpoints: named places in a service where a fault-injection test makes the process die, stall or
 * fail at the one moment that matters (catalog killed after its reservation committed and before it
 * replied), to prove that nothing committed before that point is lost. They are armed at run time
 * over HTTP, like etcd's gofail, so one running system can go through many scenarios. No library
 * fitted: the npm ones are either unmaintained ports of fail-rs or test doubles for in-process code,
 * and this needs a real process to die by SIGKILL. Off unless FAILPOINTS_ENABLED; refused with
 * NODE_ENV=production.
 */

export type FailpointAction = { kind: 'kill' } | { kind: 'delay'; ms: number } | { kind: 'error' };

/** The configuration switch, spread into a service's schema (see refuseFailpointsInProduction). */
export const failpointConfig = () => ({
  /** Serves PUT /failpoints/{name}, so a test can arm a failpoint; never in production. */
  FAILPOINTS_ENABLED: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});

/** A schema refinement: the whole configuration is invalid when failpoints are on in production. */
export function refuseFailpointsInProduction(config: { NODE_ENV: string; FAILPOINTS_ENABLED: boolean }, ctx: z.RefinementCtx): void {
  if (config.FAILPOINTS_ENABLED && config.NODE_ENV === 'production') {
    ctx.addIssue({ code: 'custom', path: ['FAILPOINTS_ENABLED'], message: 'failpoints are refused when NODE_ENV=production' });
  }
}

interface Armed {
  action: FailpointAction;
  /** Hits left before the failpoint disarms itself. */
  remaining: number;
}

/** The failpoints of one process: a fixed set of names, each disarmed until a test arms it. */
export class Failpoints {
  readonly #armed = new Map<string, Armed>();

  constructor(
    readonly names: readonly string[],
    private readonly options: { enabled: boolean; log: Logger },
  ) {}

  get enabled(): boolean {
    return this.options.enabled;
  }

  /** Arms a failpoint for the next `count` hits; 'off' disarms it. */
  arm(name: string, action: FailpointAction | 'off', count = 1): void {
    if (!this.names.includes(name)) throw new NotFoundError('failpoint_not_found', `No failpoint named ${name}; there are: ${this.names.join(', ')}.`);
    if (action === 'off') this.#armed.delete(name);
    else this.#armed.set(name, { action, remaining: count });
  }

  /** Does what the failpoint is armed for, if it is: nothing at all otherwise (and always when disabled). */
  async hit(name: string): Promise<void> {
    if (!this.options.enabled) return;
    const armed = this.#armed.get(name);
    if (!armed) return;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.#armed.delete(name);
    this.options.log.warn({ failpoint: name, action: armed.action }, 'failpoint hit');
    const { action } = armed;
    if (action.kind === 'kill') process.kill(process.pid, 'SIGKILL');
    else if (action.kind === 'delay') await sleep(action.ms);
    else throw new Error(`failpoint ${name}`);
  }
}

const armBody = z.object({
  action: z.enum(['kill', 'delay', 'error', 'off']),
  ms: z.number().int().min(1).max(600_000).optional(),
  count: z.number().int().min(1).max(1_000_000).default(1),
});

/** PUT /failpoints/{name} `{action, ms?, count?}` → 204; only registered when failpoints are enabled. */
export function failpointRoutes(router: Router, failpoints: Failpoints): void {
  if (!failpoints.enabled) return;
  router.put('/failpoints/:name', (ctx) => {
    const body = parseInput(armBody, ctx.request.body);
    const action: FailpointAction | 'off' =
      body.action === 'delay' ? { kind: 'delay', ms: body.ms ?? 1000 } : body.action === 'off' ? 'off' : { kind: body.action };
    failpoints.arm(ctx.params.name!, action, body.count);
    ctx.status = 204;
  });
}
