/**
 * Building the report model from merged suite results (bench/main.ts) — structural input
 * types, so the report does not depend on the bench harness.
 */
import { DEFAULT_ARS_MS, DEFAULT_CLEAR_LATENCY_NS } from '../nvdimm/config.js';
import type { JobResult, ModelParameter } from '../workload/result.js';
import type { Environment } from './environment.js';
import { REPORT_SCHEMA_VERSION, unionModel, unitDirection, type Report, type ReportCheck, type ReportOptions, type ReportRow, type ReportSuite } from './model.js';

/** A row as the suites produce it (bench/lib/rows.ts BenchRow): github-action-benchmark's fields plus the report's. */
export interface RowInput {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  /** Spread, as the action prints it: e.g. "± 3.1%" or "min..max over processes". */
  readonly range?: string;
  readonly extra?: string;
  /** Structured parameters of the row (size, kind, policy...), for charts and comparisons. */
  readonly params?: Readonly<Record<string, string | number>>;
  /** Which way is better; by default from the unit (`.../s`, `x`: bigger; times: smaller). */
  readonly direction?: 'bigger' | 'smaller';
  /** The row's value split into measured work and modelled cost (same unit), when it has one. */
  readonly time_split?: { readonly measured: number; readonly modelled: number };
  /** Per-process values behind a merged row's median (set by the parent), for significance tests. */
  readonly samples?: readonly number[];
}

/** A merged suite result (bench/lib/rows.ts SuiteResult) plus how it ran. */
export interface SuiteInput {
  readonly suite: string;
  readonly rows: readonly RowInput[];
  readonly ratios: Readonly<Record<string, number>>;
  readonly checks: readonly ReportCheck[];
  readonly jobs?: readonly JobResult[];
  readonly model?: readonly ModelParameter[];
  readonly description: string;
  readonly processes: number;
  readonly durationMs: number;
}

/**
 * The simulator's default model parameters (src/nvdimm/config.ts), for suites that run the
 * simulated system in virtual time and do not state their own.
 */
export function simulatorModel(): ModelParameter[] {
  return [
    {
      name: 'clear_latency', value: DEFAULT_CLEAR_LATENCY_NS, unit: 'ns', assumed: true,
      help: 'Firmware CLEAR_ERROR latency per clear; no public figure exists. Reported apart from measured time (time_split.modelled).',
    },
    {
      name: 'ars_time', value: DEFAULT_ARS_MS, unit: 'ms', assumed: false,
      help: "Duration of one address range scrub: nfit_test's busy window. Virtual time: not part of any measured figure.",
    },
  ];
}

export function reportRow(r: RowInput): ReportRow {
  return {
    name: r.name, unit: r.unit, value: r.value,
    direction: r.direction ?? unitDirection(r.unit),
    samples: r.samples && r.samples.length ? [...r.samples] : [r.value],
    ...(r.range !== undefined && r.range !== '' ? { range: r.range } : {}),
    ...(r.extra !== undefined ? { extra: r.extra } : {}),
    ...(r.params !== undefined ? { params: { ...r.params } } : {}),
    ...(r.time_split !== undefined ? { time_split: { measured: r.time_split.measured, modelled: r.time_split.modelled } } : {}),
  };
}

export function reportSuite(s: SuiteInput): ReportSuite {
  return {
    name: s.suite, description: s.description, processes: s.processes, duration_ms: Math.round(s.durationMs),
    rows: s.rows.map(reportRow), ratios: { ...s.ratios }, checks: s.checks.map((c) => ({ ...c })),
    model: [...(s.model ?? [])],
    ...(s.jobs !== undefined ? { jobs: [...s.jobs] } : {}),
  };
}

export interface ReportMeta {
  readonly created: Date;
  readonly command: string;
  readonly options: ReportOptions;
  readonly environment: Environment;
  readonly durationMs: number;
  /** Set when the run stopped early: the report is partial. */
  readonly error?: string;
}

export function buildReport(meta: ReportMeta, suites: readonly SuiteInput[]): Report {
  const built = suites.map(reportSuite);
  return {
    schema_version: REPORT_SCHEMA_VERSION,
    tool: 'poisonbench',
    created: meta.created.toISOString(),
    command: meta.command,
    options: { ...meta.options, suites: [...meta.options.suites] },
    complete: meta.error === undefined,
    ...(meta.error !== undefined ? { error: meta.error } : {}),
    duration_ms: Math.round(meta.durationMs),
    environment: meta.environment,
    model: unionModel(built.map((s) => s.model)),
    suites: built,
  };
}
