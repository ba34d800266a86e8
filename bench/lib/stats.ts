/** Small statistics helpers: every result is reported as a median with its spread. */

/** A set of samples summarised: median, min, max and the interquartile range. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly q1: number;
  readonly q3: number;
  readonly n: number;
}

/** The `q`-quantile (0..1) of sorted numbers, linearly interpolated. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  return {
    median: quantile(s, 0.5),
    min: s[0] ?? Number.NaN,
    max: s[s.length - 1] ?? Number.NaN,
    q1: quantile(s, 0.25),
    q3: quantile(s, 0.75),
    n: s.length,
  };
}

/** Human units: 1234567 -> "1.23 M". */
export function si(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  const units: [number, string][] = [
    [1e12, " T"],
    [1e9, " G"],
    [1e6, " M"],
    [1e3, " k"],
  ];
  for (const [scale, unit] of units) if (abs >= scale) return `${(x / scale).toPrecision(digits)}${unit}`;
  return x.toPrecision(digits);
}

/** Bytes as B/KiB/MiB. */
export function bytes(x: number): string {
  const abs = Math.abs(x);
  if (abs >= 1024 * 1024) return `${(x / 1024 / 1024).toFixed(abs >= 100 * 1024 * 1024 ? 0 : 1)} MiB`;
  if (abs >= 1024) return `${(x / 1024).toFixed(abs >= 100 * 1024 ? 0 : 1)} KiB`;
  return `${Math.round(x)} B`;
}

/** "1 MiB" style label for a message size. */
export function sizeLabel(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / 1024 / 1024} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}
