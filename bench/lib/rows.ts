/**
 * What a suite produces: rows in the github-action-benchmark format (one JSON array of
 * `{ name, unit, value, range?, extra? }`), ratio checks against targets, and the text the
 * terminal shows. Measurement, statistics and display stay separate functions.
 */
import type { JobResult } from '../../src/workload/result.js';

/** One github-action-benchmark row. */
export interface BenchRow {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  /** Spread, as the action prints it: e.g. "± 3.1%" or "min..max over processes". */
  readonly range?: string;
  readonly extra?: string;
  /** Structured parameters of the row (size, kind, policy...), for charts and comparisons. */
  readonly params?: Readonly<Record<string, string | number>>;
}

/** A target stated by an issue, checked on the median of same-process ratios. */
export interface TargetCheck {
  readonly name: string;
  /** Measured value (a ratio or a time), median over processes. */
  readonly value: number;
  /** Human-readable target, e.g. ">= 0.95x memory.copy". */
  readonly target: string;
  readonly met: boolean;
}

export interface SuiteResult {
  readonly suite: string;
  readonly rows: BenchRow[];
  readonly checks: TargetCheck[];
  /** Same-process ratios by name, for merging across processes. */
  readonly ratios: Record<string, number>;
  /** Workload jobs behind the rows (the concurrent matrix), when the suite ran any. */
  readonly jobs?: readonly JobResult[];
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Formats a table with a header row; numbers right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows].map((r) => r.map((c) => (typeof c === 'number' ? fmtNum(c) : c)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 10) return v.toFixed(2);
  return v.toFixed(3);
}
