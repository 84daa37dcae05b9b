import { METHODS } from 'node:http';
import type Router from '@koa/router';
import { AppError } from '@switchyard/kit/errors';

/**
 * Answers methods that Node accepts but no route serves (TRACE, PROPFIND, M-SEARCH...) as the client's
 * mistake: 405 with `Allow` on a path the API has, the kit's 404 elsewhere. Left to the router they
 * would be 501 Not Implemented, a server error in logs and metrics. CONNECT never reaches the app.
 */
export function refuseOtherMethods(router: Router, served: ReadonlyMap<string, readonly string[]>): void {
  const others = METHODS.filter((method) => method !== 'CONNECT' && !router.methods.includes(method));
  for (const [path, methods] of served) {
    const allow = [...new Set(methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])))].join(', ');
    router.register(path, others, (ctx) => {
      throw new AppError(405, 'method_not_allowed', `${ctx.method} is not allowed here; use ${allow}.`, { headers: { allow } });
    });
  }
  // Matched and left without a body, the request gets the kit's 404 route_not_found.
  router.register('/{*path}', others, () => undefined);
}
