import type { BenchEnv } from './environment.js';

/** What one measured run produced: named numbers (`rps`, `p50`, `p99`, `errors`, `rssMb`…). */
export type Measurement = Record<string, number>;

/** One side of a comparison, measured once per round. */
export interface Variant {
  id: string;
  label: string;
  measure: (env: BenchEnv) => Promise<Measurement>;
}

/** One line of the printed table. */
export interface Row {
  what: string;
  /** The headline figure with its unit: `4,460 req/s`, `612 MB`, `12.2 s`. */
  result: string;
  p50?: string;
  p99?: string;
  comparedWith: string;
}

/**
 * One comparison of the bench: its variants are measured interleaved (A B, then B A, …) for every
 * round, each figure's median over the rounds goes into its rows. One file per comparison in
 * bench/comparisons/, listed in bench/comparisons/index.ts.
 */
export interface Comparison {
  id: string;
  title: string;
  /** What it compares and how, for the README and the JSON. */
  description: string;
  /** Starts or prepares what the variants need, once (not measured). */
  setup?: (env: BenchEnv) => Promise<void>;
  variants: (env: BenchEnv) => Variant[];
  /** Alternate the variants' order every round (default); off when a variant relies on the one before it. */
  alternate?: boolean;
  rows: (medians: Readonly<Record<string, Measurement>>) => Row[];
}

/** The median of every figure over the rounds of one variant. */
export function medianMeasurement(rounds: readonly Measurement[], median: (values: number[]) => number): Measurement {
  const keys = [...new Set(rounds.flatMap((m) => Object.keys(m)))];
  return Object.fromEntries(keys.map((key) => [key, median(rounds.map((m) => m[key]).filter((v): v is number => v !== undefined))]));
}
