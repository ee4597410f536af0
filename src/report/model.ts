/**
 * The report model: one object (`report.json`, canonical) that every other output renders —
 * the terminal tables, `report.md`, `report.html` and the github-action-benchmark files
 * (fio's `stat.c` habit: one stats model, several renderers).
 *
 * Shape (published as docs/report.schema.json, generated from src/report/schema.ts):
 *
 *   Report
 *   ├── schema_version, tool, created, command, options, complete, error?
 *   ├── environment        CPU, cores, OS, Node/V8, package version, git commit, wasm features
 *   ├── model[]            every model parameter any suite depends on (assumed ones marked)
 *   └── suites[]
 *       ├── rows[]         name, unit, value (median over processes), direction, samples[]
 *       │                  (one value per process: what `compare` tests), params, time_split
 *       ├── ratios, checks (targets judged on medians)
 *       ├── model[]
 *       └── jobs[]?        workload jobs, fio-shaped (src/workload/result.ts, unchanged)
 */
import type { JobResult, ModelParameter } from '../workload/result.js';
import type { Environment } from './environment.js';

/** Version of the report.json layout; bumped on an incompatible change. */
export const REPORT_SCHEMA_VERSION = 1;

export type Direction = 'bigger' | 'smaller';

/** One measured figure. */
export interface ReportRow {
  readonly name: string;
  readonly unit: string;
  /** Median over processes. */
  readonly value: number;
  readonly direction: Direction;
  /** One value per process (the median's inputs); one element when one process ran. */
  readonly samples: readonly number[];
  readonly range?: string;
  readonly extra?: string;
  readonly params?: Readonly<Record<string, string | number>>;
  /** `value` split into measured work and modelled cost, in the row's unit. */
  readonly time_split?: { readonly measured: number; readonly modelled: number };
}

export interface ReportCheck {
  readonly name: string;
  readonly value: number;
  readonly target: string;
  readonly met: boolean;
}

export interface ReportSuite {
  readonly name: string;
  readonly description: string;
  /** Child processes the figures are medians over. */
  readonly processes: number;
  /** Wall time of the suite's processes together, ms. */
  readonly duration_ms: number;
  readonly rows: readonly ReportRow[];
  readonly ratios: Readonly<Record<string, number>>;
  readonly checks: readonly ReportCheck[];
  readonly model: readonly ModelParameter[];
  readonly jobs?: readonly JobResult[];
}

export interface ReportOptions {
  readonly suites: readonly string[];
  readonly processes: number;
  readonly time_ms: number;
  readonly smoke: boolean;
}

export interface Report {
  readonly schema_version: typeof REPORT_SCHEMA_VERSION;
  readonly tool: 'poisonbench';
  /** ISO 8601 time the run started. */
  readonly created: string;
  /** The command line as typed (arguments after `bench`). */
  readonly command: string;
  readonly options: ReportOptions;
  /** false when a suite failed or the run was stopped: the report holds what finished. */
  readonly complete: boolean;
  readonly error?: string;
  readonly duration_ms: number;
  readonly environment: Environment;
  /** Union of the suites' model parameters (by name and value). */
  readonly model: readonly ModelParameter[];
  readonly suites: readonly ReportSuite[];
}

/** Units whose larger values are better; everything else (times, bytes, counts of cost) is smaller-is-better. */
const BIGGER_UNITS = new Set(['x', 'ratio', 'IOPS', 'iops', 'ops', '%']);

/**
 * Which way a unit improves: rates (`GB/s`, `checks/s`, `MB/s`, `ops/s`) and ratios are
 * bigger-is-better; times (`ns/op`, `us`, `ms`) and sizes are smaller-is-better.
 */
export function unitDirection(unit: string): Direction {
  return /\/s$/.test(unit) || BIGGER_UNITS.has(unit) ? 'bigger' : 'smaller';
}

/** Model parameters in `lists`, each (name, value) once, in first-seen order. */
export function unionModel(lists: readonly (readonly ModelParameter[])[]): ModelParameter[] {
  const out: ModelParameter[] = [];
  for (const list of lists) {
    for (const m of list) if (!out.some((x) => x.name === m.name && x.value === m.value)) out.push(m);
  }
  return out;
}

/** Every check of the report, with its suite. */
export function allChecks(report: Report): { suite: string; check: ReportCheck }[] {
  return report.suites.flatMap((s) => s.checks.map((check) => ({ suite: s.name, check })));
}
