import type { LatencySummary, StatsBook } from './latency.js';

/** A markdown table (also readable as plain text). */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => (r[col] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, col) => c.padEnd(widths[col]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** `12.3 ms`, `1.25 s` */
export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`;
}

/** `{ "409": 3, "ECONNRESET": 1 }` → `409×3 ECONNRESET×1`, or `-`. */
export function formatCounts(counts: Record<string, number>): string {
  const parts = Object.entries(counts).map(([k, n]) => `${k}×${n}`);
  return parts.length > 0 ? parts.join(' ') : '-';
}

/** Parses `60s`, `2m`, `500ms` or a number of seconds into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new Error(`bad duration "${text}": use e.g. 500ms, 60s, 2m`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | undefined ?? 's'];
  return Number(match[1]) * factor;
}

/** One row per operation: count, errors, p50/p99/max and every outcome. */
export function statsTable(book: StatsBook, title: string): string {
  const rows = book.entries().map(([name, stats]) => {
    const l: LatencySummary = stats.latency.summary();
    return [name, String(l.count), String(stats.errorCount), formatMs(l.p50), formatMs(l.p99), formatMs(l.max), formatCounts(stats.outcomes())];
  });
  return markdownTable([title, 'count', 'errors', 'p50', 'p99', 'max', 'outcomes'], rows);
}
