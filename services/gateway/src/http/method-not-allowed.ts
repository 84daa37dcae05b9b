import { METHODS } from 'node:http';
import type Router from '@koa/router';
import { AppError } from '@switchyard/kit/errors';

/**
 * Answers 405 with `Allow` for every method Node accepts but no route of a path serves (TRACE, PROPFIND,
 * M-SEARCH...). The router knows only the common methods and would call the rest 501 Not Implemented, a
 * server error, for what is a client's mistake. CONNECT never reaches the app.
 */
export function refuseOtherMethods(router: Router, served: ReadonlyMap<string, readonly string[]>): void {
  const others = METHODS.filter((method) => method !== 'CONNECT' && !router.methods.includes(method));
  for (const [path, methods] of served) {
    const allow = [...new Set(methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])))].join(', ');
    router.register(path, others, (ctx) => {
      throw new AppError(405, 'method_not_allowed', `${ctx.method} is not allowed here; use ${allow}.`, { headers: { allow } });
    });
  }
}
