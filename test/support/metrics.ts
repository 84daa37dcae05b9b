/** The value of one sample in a Prometheus text exposition (every given label must match), or undefined. */
export function metricValue(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[4]);
  }
  return undefined;
}

/** Reads one sample from a service's admin /metrics (0 when the series does not exist yet). */
export async function scrape(adminUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${adminUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return metricValue(await res.text(), name, labels) ?? 0;
}
