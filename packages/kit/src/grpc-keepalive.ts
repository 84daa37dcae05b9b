/**
 * Keepalive settings shared by the gRPC server and client factories, so they agree: the client pings
 * an idle connection every 30 s and gives up after 10 s without an answer (a dead pod is noticed),
 * and the server accepts pings that often and pings its clients less often itself.
 */
export const KEEPALIVE = {
  clientTimeMs: 30_000,
  clientTimeoutMs: 10_000,
  serverTimeMs: 60_000,
  serverTimeoutMs: 20_000,
  /** The least interval between pings a server accepts; must stay below clientTimeMs. */
  serverMinPingIntervalMs: 10_000,
} as const;
