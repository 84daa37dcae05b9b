/**
 * A reading that gauges take at scrape time (a query, a broker round trip), shared: the gauges one
 * scrape collects concurrently, and scrapes closer together than `ttlMs` (several Prometheus servers,
 * a dashboard refresh), get the same one. A failed reading is undefined, so gauges leave their samples
 * out instead of reporting stale values.
 */
export function scrapeReading<T>(read: () => Promise<T>, ttlMs = 1_000): () => Promise<T | undefined> {
  let last: { at: number; value: Promise<T | undefined> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > ttlMs) last = { at: Date.now(), value: read().catch(() => undefined) };
    return last.value;
  };
}
