/**
 * Request deadlines that travel. The gateway turns a route's timeout into the request's budget and
 * sends it on as `x-request-timeout-ms` (milliseconds left when the request leaves, a duration and not
 * a timestamp, so clocks that disagree between pods do not matter; the same idea as gRPC's own
 * grpc-timeout header). A service reads it into an absolute deadline, keeps a margin for answering,
 * and gives the rest to its gRPC calls (GrpcClient's `deadline` option), which shrink it again for
 * the next hop through grpc-timeout.
 */
export const DEADLINE_HEADER = 'x-request-timeout-ms';

/**
 * Time a service keeps for itself out of an incoming budget, to answer before its caller gives up
 * (a failed call is followed by compensation, a log line and the response): a tenth of the budget,
 * at least 20 ms and at most 100 ms.
 */
export function deadlineMargin(budgetMs: number): number {
  return Math.min(100, Math.max(20, Math.round(budgetMs / 10)));
}

const BUDGET = /^\d{1,7}$/;

/** The header value for a deadline (epoch milliseconds): what is left of it now, at least 1 ms. */
export function deadlineHeader(deadline: number, now = Date.now()): string {
  return String(Math.max(1, Math.ceil(deadline - now)));
}

/**
 * The deadline an incoming request brings, less the margin, as an absolute time; undefined without
 * a well-formed header (requests that come without a budget keep the calls' own default deadlines).
 */
export function incomingDeadline(value: string | undefined, now = Date.now()): Date | undefined {
  if (!value || !BUDGET.test(value)) return undefined;
  const budget = Number(value);
  return new Date(now + budget - deadlineMargin(budget));
}
