import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** Percentiles of one set of latencies, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * Latencies recorded into Node's built-in HDR histogram (perf_hooks), in microseconds: constant memory
 * at any rate, and percentiles without keeping every sample.
 */
export class LatencyRecorder {
  readonly #histogram: RecordableHistogram = createHistogram({ lowest: 1, highest: 3_600_000_000, figures: 3 });

  record(ms: number): void {
    this.#histogram.record(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.#histogram.count;
  }

  /** Adds another recorder's samples (e.g. one per interval into a total). */
  add(other: LatencyRecorder): void {
    this.#histogram.add(other.#histogram);
  }

  reset(): void {
    this.#histogram.reset();
  }

  summary(): LatencySummary {
    const h = this.#histogram;
    if (h.count === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
    return {
      count: h.count,
      p50: round(h.percentile(50) / 1000),
      p90: round(h.percentile(90) / 1000),
      p99: round(h.percentile(99) / 1000),
      max: round(h.max / 1000),
      mean: round(h.mean / 1000),
    };
  }
}

const increment = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
const sorted = (counts: Map<string, number>) => Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));

/** Latencies and outcomes of one kind of operation: `200`, `402`, `ECONNREFUSED`, `timeout`... */
export class OperationStats {
  readonly latency = new LatencyRecorder();
  readonly #outcomes = new Map<string, number>();
  readonly #errors = new Map<string, number>();
  errorCount = 0;

  record(ms: number, outcome: string, ok: boolean): void {
    this.latency.record(ms);
    increment(this.#outcomes, outcome);
    if (!ok) {
      increment(this.#errors, outcome);
      this.errorCount += 1;
    }
  }

  /** Every outcome with its count: `{ "200": 950, "409": 3 }`. */
  outcomes(): Record<string, number> {
    return sorted(this.#outcomes);
  }

  /** The outcomes that were not expected, with their counts. */
  errors(): Record<string, number> {
    return sorted(this.#errors);
  }
}

/** OperationStats by name, created on first use, in the order first seen. */
export class StatsBook {
  readonly #byName = new Map<string, OperationStats>();

  get(name: string): OperationStats {
    let stats = this.#byName.get(name);
    if (!stats) this.#byName.set(name, (stats = new OperationStats()));
    return stats;
  }

  entries(): Array<[string, OperationStats]> {
    return [...this.#byName];
  }

  /** Unexpected outcomes over every operation, merged: `{ "409": 3 }`. */
  errors(): Record<string, number> {
    const merged = new Map<string, number>();
    for (const [, stats] of this.#byName) for (const [outcome, n] of Object.entries(stats.errors())) merged.set(outcome, (merged.get(outcome) ?? 0) + n);
    return sorted(merged);
  }
}
