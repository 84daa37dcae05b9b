/** A latency for the table: `11 ms`, `1.4 ms`, `0.42 ms`, `4.7 s`; `–` when missing. */
export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** `+18 ms`, `−0.20 ms` */
export const signedMs = (ms: number): string => `${ms >= 0 ? '+' : '−'}${fmtMs(Math.abs(ms))}`;

/** `+20`, `−5`: a rounded difference with its sign. */
export const signed = (n: number): string => `${n >= 0 ? '+' : '−'}${Math.abs(Math.round(n))}`;

/** `4,460` */
export const thousands = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US'));

/** `0.37×` */
export const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || !b ? '–' : `${(a / b).toFixed(2)}×`);

/** `612 MB` from kB */
export const mb = (kb: number | undefined): string => (kb === undefined || !Number.isFinite(kb) ? '–' : `${thousands(kb / 1024)} MB`);
