/** The bench's figures as the table shows them, and the arithmetic behind its ratios. */

export const ms = (value: number | null | undefined) => (value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(3));
export const ratio = (a: number | null | undefined, b: number | null | undefined) => (a === null || a === undefined || !b ? null : a / b);
export const times = (value: number | null) => (value === null || !Number.isFinite(value) ? '—' : `${value.toFixed(2)}×`);
export const round = (value: number) => Math.round(value).toString();
/** One decimal, as a number (null when not finite). */
export const round1 = (value: number): number | null => (Number.isFinite(value) ? Math.round(value * 10) / 10 : null);

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
/** Bytes as MiB with one decimal. */
export const mean = (values: number[]): number => values.reduce((total, value) => total + value, 0) / values.length;
export const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
