import type { Middleware } from 'koa';
import { NotFoundError } from './errors.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';

/** The one place where anything thrown while serving a request becomes problem+json. */
export function errorHandler(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body == null) {
        throw new NotFoundError('route_not_found', `No route matches ${ctx.method} ${ctx.path}.`);
      }
      // The router's answer to a method the path does not take (405) or no route has (501), with the
      // Allow header RFC 9110 asks for, which its throwing mode leaves out: made a problem like the rest.
      if ((ctx.status === 405 || ctx.status === 501) && ctx.body == null) ctx.throw(ctx.status);
    } catch (err) {
      const { problem, headers } = toProblem(err);
      // Logged once, here; 4xx, and 501 for a method the client made up, are the client's business
      // and stay out of the error log.
      if (problem.status >= 500 && problem.status !== 501) ctx.state.log.error({ err }, 'request failed');
      else ctx.state.log.debug({ code: problem.code, detail: problem.detail }, 'request rejected');
      ctx.status = problem.status;
      ctx.set(headers);
      ctx.type = PROBLEM_CONTENT_TYPE;
      ctx.body = { ...problem, requestId: ctx.state.requestId };
    }
  };
}
