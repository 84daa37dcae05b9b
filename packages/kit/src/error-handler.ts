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
