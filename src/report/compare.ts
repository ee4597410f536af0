/**
 * `poisonbench compare OLD NEW`: per-metric change between two runs, direction-aware.
 *
 * Inputs: report.json (rows with per-process samples) or a github-action-benchmark array
 * (bench-bigger.json, bench-smaller.json, `--json FILE`: values only; the direction comes
 * from the file name when it says bigger/smaller, else from the unit). Metrics are matched
 * by name and unit (a name alone is not unique: `copy_mc 4KiB` is GB/s in the copy suite and
 * ns/op in the paths suite).
 *
 * Verdict per metric, with `worse` = the change in the bad direction:
 *   |change| <= threshold                    unchanged (inside the noise threshold)
 *   beyond it, both sides have >= 2 samples  Welch's t-test: p < alpha -> regression or
 *                                            improvement; else "noise" (not significant)
 *   beyond it, no samples                    regression or improvement on the threshold alone
 * Exit 1 when any metric regressed; 2 on bad input.
 */
import { InputError, parseJsonInput, readInputFile } from '../core/input.js';
import { didYouMean } from '../core/suggest.js';
import { basename } from 'node:path';
import { unitDirection, type Direction } from './model.js';
import { welchTTest } from './stats.js';
import { formatTable, fmtNum } from './table.js';

export const DEFAULT_THRESHOLD_PCT = 10;
export const DEFAULT_ALPHA = 0.05;

/** Bad input to compare (unreadable, not JSON, unknown shape): exit 2. */
export class CompareInputError extends Error {}

export interface Metric {
  readonly name: string;
  readonly unit: string;
  readonly direction: Direction;
  readonly value: number;
  /** Per-process values, when the input has them (report.json). */
  readonly samples?: readonly number[];
}

export type Verdict = 'regression' | 'improvement' | 'unchanged' | 'noise' | 'added' | 'removed';

export interface MetricChange {
  readonly name: string;
  readonly unit: string;
  readonly direction: Direction;
  readonly old?: number;
  readonly new?: number;
  /** (new - old) / old, percent; undefined for added/removed metrics. */
  readonly changePct?: number;
  /** Welch's two-sided p, when both sides had samples. */
  readonly p?: number;
  readonly verdict: Verdict;
}

export interface CompareOptions {
  readonly thresholdPct: number;
  readonly alpha: number;
}

const key = (m: { name: string; unit: string }): string => `${m.name}\u0000${m.unit}`;

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Metrics of a parsed input file.
 * @param fileName used for the direction of github-action-benchmark files and in errors
 * @throws CompareInputError on an unknown shape
 */
export function metricsOf(data: unknown, fileName: string): Metric[] {
  const bad = (why: string): CompareInputError => new CompareInputError(`${fileName}: ${why}`);
  const out = new Map<string, Metric>();
  const add = (m: Metric): void => { if (!out.has(key(m))) out.set(key(m), m); };
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (Array.isArray(data)) {
    const fileDir: Direction | undefined = /bigger/i.test(basename(fileName)) ? 'bigger' : /smaller/i.test(basename(fileName)) ? 'smaller' : undefined;
    data.forEach((e, i) => {
      if (!isObj(e) || typeof e['name'] !== 'string' || typeof e['unit'] !== 'string' || !num(e['value'])) {
        throw bad(`entry ${i} is not a github-action-benchmark row ({ name, unit, value })`);
      }
      add({ name: e['name'], unit: e['unit'], value: e['value'], direction: fileDir ?? unitDirection(e['unit']) });
    });
  } else if (isObj(data) && data['tool'] === 'poisonbench' && Array.isArray(data['suites'])) {
    for (const s of data['suites'] as unknown[]) {
      if (!isObj(s) || !Array.isArray(s['rows'])) throw bad('a suite without rows');
      for (const r of s['rows'] as unknown[]) {
        if (!isObj(r) || typeof r['name'] !== 'string' || typeof r['unit'] !== 'string' || !num(r['value'])) throw bad('a row without name, unit and value');
        const samples = Array.isArray(r['samples']) && r['samples'].every(num) ? r['samples'] as number[] : undefined;
        const direction = r['direction'] === 'bigger' || r['direction'] === 'smaller' ? r['direction'] : unitDirection(r['unit']);
        add({ name: r['name'], unit: r['unit'], value: r['value'], direction, ...(samples ? { samples } : {}) });
      }
    }
  } else {
    throw bad('neither a poisonbench report.json nor a github-action-benchmark array');
  }
  return [...out.values()];
}

/** Largest report compare reads: a full run's report.json is about 1 MiB. */
export const MAX_REPORT_BYTES = 64 * 1024 * 1024;
/** Deepest JSON nesting of a report (report > suites > rows > params is 5). */
export const MAX_REPORT_DEPTH = 32;

/** Reads and parses one input file. @throws CompareInputError */
export function loadMetrics(path: string): Metric[] {
  let data: unknown;
  try {
    data = parseJsonInput(readInputFile(path, 'report', MAX_REPORT_BYTES), path, 'report', MAX_REPORT_DEPTH, 'report.json or bench-bigger.json');
  } catch (err) {
    if (err instanceof InputError) throw new CompareInputError(err.message);
    throw err;
  }
  return metricsOf(data, path);
}

/** Changes from `before` to `after`, in `after`'s order, then removed metrics. */
export function compareMetrics(before: readonly Metric[], after: readonly Metric[], o: CompareOptions): MetricChange[] {
  const old = new Map(before.map((m) => [key(m), m]));
  const out: MetricChange[] = [];
  for (const n of after) {
    const o0 = old.get(key(n));
    old.delete(key(n));
    if (!o0) { out.push({ name: n.name, unit: n.unit, direction: n.direction, new: n.value, verdict: 'added' }); continue; }
    const changePct = o0.value === 0 ? (n.value === 0 ? 0 : Math.sign(n.value) * Infinity) : ((n.value - o0.value) / Math.abs(o0.value)) * 100;
    const worsePct = n.direction === 'bigger' ? -changePct : changePct;
    let verdict: Verdict;
    let p: number | undefined;
    if (Math.abs(changePct) <= o.thresholdPct) verdict = 'unchanged';
    else {
      if (o0.samples && n.samples && o0.samples.length >= 2 && n.samples.length >= 2) p = welchTTest(o0.samples, n.samples).p;
      verdict = p !== undefined && p >= o.alpha ? 'noise' : worsePct > 0 ? 'regression' : 'improvement';
    }
    out.push({ name: n.name, unit: n.unit, direction: n.direction, old: o0.value, new: n.value, changePct, verdict, ...(p !== undefined ? { p } : {}) });
  }
  for (const m of old.values()) out.push({ name: m.name, unit: m.unit, direction: m.direction, old: m.value, verdict: 'removed' });
  return out;
}

/** The comparison table and a one-line summary. */
export function formatComparison(changes: readonly MetricChange[], o: CompareOptions, all = false): string {
  const count = (v: Verdict): number => changes.filter((c) => c.verdict === v).length;
  const shown = all ? changes : changes.filter((c) => c.verdict !== 'unchanged');
  const pct = (v: number | undefined): string => (v === undefined ? '' : !Number.isFinite(v) ? `${v > 0 ? '+' : '-'}inf` : `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`);
  const val = (v: number | undefined): string => (v === undefined ? '-' : fmtNum(v));
  const table = shown.length ? formatTable(['metric', 'unit', 'better', 'old', 'new', 'change', 'p (Welch)', 'verdict'], shown.map((c) => [
    c.name, c.unit, c.direction, val(c.old), val(c.new), pct(c.changePct), c.p === undefined ? '' : c.p.toFixed(3),
    c.verdict === 'regression' ? 'REGRESSION' : c.verdict,
  ])) + '\n' : '';
  return table + `${changes.length} metrics: ${count('regression')} regression(s), ${count('improvement')} improvement(s), ` +
    `${count('noise')} beyond ${o.thresholdPct}% but not significant (p >= ${o.alpha}), ${count('unchanged')} within ${o.thresholdPct}%, ` +
    `${count('added')} added, ${count('removed')} removed\n`;
}

export const COMPARE_HELP = `Usage: poisonbench compare OLD NEW [--threshold PCT] [--alpha P] [--all]

Compares two benchmark runs metric by metric. OLD and NEW are report.json files (from
\`npm run bench\`) or github-action-benchmark arrays (bench-bigger.json, bench-smaller.json,
--json FILE). Metrics match by name and unit; which way is better comes from the row
(report.json), the file name (bigger/smaller) or the unit (rates bigger, times smaller).

A change within the threshold is noise. Beyond it, when both runs hold per-process samples
(report.json), Welch's t-test decides: p >= alpha is reported as not significant; without
samples the threshold alone decides.

Options:
  --threshold PCT  noise threshold in percent, 0..1000 (default ${DEFAULT_THRESHOLD_PCT})
  --alpha P        significance level of the t-test, 0..1 (default ${DEFAULT_ALPHA})
  --all            list unchanged metrics too
  -h, --help       this text

Exit status: 0 no regression, 1 a regression beyond the threshold, 2 bad input.
`;

/** The command; returns the exit status. @throws CompareInputError / RangeError on bad input (exit 2). */
export function compareMain(argv: readonly string[], out: (s: string) => void = (s) => { process.stdout.write(s); }): number {
  if (argv.includes('--help') || argv.includes('-h')) { out(COMPARE_HELP); return 0; }
  const files: string[] = [];
  let thresholdPct = DEFAULT_THRESHOLD_PCT;
  let alpha = DEFAULT_ALPHA;
  let all = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const number = (min: number, max: number): number => {
      const v = argv[++i];
      const n = Number(v);
      if (v === undefined || v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new RangeError(`${a} must be a number in [${min}, ${max}], got ${JSON.stringify(v ?? '')}`);
      return n;
    };
    if (a === '--threshold') thresholdPct = number(0, 1000);
    else if (a === '--alpha') alpha = number(0, 1);
    else if (a === '--all') all = true;
    else if (a.startsWith('-')) throw new RangeError(`unknown option ${JSON.stringify(a)} for compare${didYouMean(a, ['--threshold', '--alpha', '--all', '--help'])} (see --help)`);
    else files.push(a);
  }
  if (files.length !== 2) throw new RangeError(`compare takes two files, OLD and NEW, got ${files.length}`);
  const before = loadMetrics(files[0]!);
  const after = loadMetrics(files[1]!);
  const opts = { thresholdPct, alpha };
  const changes = compareMetrics(before, after, opts);
  if (!changes.some((c) => c.old !== undefined && c.new !== undefined)) throw new CompareInputError(`${files[0]} and ${files[1]} have no metric in common`);
  out(formatComparison(changes, opts, all));
  return changes.some((c) => c.verdict === 'regression') ? 1 : 0;
}
