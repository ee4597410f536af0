/**
 * What a suite produces: rows in the github-action-benchmark format (one JSON array of
 * `{ name, unit, value, range?, extra? }`), ratio checks against targets, and the text the
 * terminal shows. Measurement, statistics and display stay separate functions.
 */
import type { JobResult, ModelParameter } from '../../src/workload/result.js';
import type { RowInput } from '../../src/report/build.js';

/**
 * One github-action-benchmark row (`name`, `unit`, `value`, `range?`, `extra?`) with the
 * report's optional fields (`params`, `direction`, `time_split`, `samples`): defined beside
 * the report model, which renders it (src/report/build.ts).
 */
export type BenchRow = RowInput;

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
  /** Model parameters the suite's figures depend on (assumed ones marked), when it has any. */
  readonly model?: readonly ModelParameter[];
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export { formatTable, fmtNum } from '../../src/report/table.js';
