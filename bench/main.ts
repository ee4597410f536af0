/**
 * `npm run bench` / `poisonbench bench`: runs the benchmark suites, prints their tables and
 * writes the reports (src/report): report.json, report.md, report.html, bench-bigger.json and
 * bench-smaller.json into `bench-results/<timestamp>/` or `--out DIR`.
 *
 * Figures are medians over several processes (DESIGN.md "Measuring"): the parent runs each
 * suite in `--processes` child processes one after another (never at once: 2 cores), takes
 * each row's median (keeping every process's value as the row's samples, for `compare`),
 * and checks the targets on the median of the same-process ratios.
 *
 *   --suite NAME[,NAME]  suites to run (default: all)
 *   --out DIR            report directory (default bench-results/<timestamp>)
 *   --json FILE          also write every row as one github-action-benchmark array
 *   --processes N        child processes per suite (default 3; 1 with --smoke)
 *   --time MS            measuring time per task and round (default 20; 10 with --smoke)
 *   --smoke              a reduced, quick run (CI)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, type BenchRow, type SuiteResult } from './lib/rows.js';
import { medianJobs } from './lib/jobs.js';
import { writeFileAtomic } from '../src/report/atomic.js';
import { didYouMean } from '../src/core/suggest.js';
import { buildReport, simulatorModel, type SuiteInput } from '../src/report/build.js';
import { collectEnvironment } from '../src/report/environment.js';
import { gabEntries, gabText } from '../src/report/gab.js';
import { formatJobsTable } from '../src/report/jobs.js';
import { appendStepSummary, renderMarkdown } from '../src/report/markdown.js';
import { Progress } from '../src/report/progress.js';
import { checkOutDir, defaultOutDir, ReportWriteError, writeReportFiles } from '../src/report/write.js';
import { SUITES, type SuiteName, type SuiteRunOptions } from './suites/index.js';

export interface BenchArgs {
  suites: SuiteName[];
  out?: string;
  json?: string;
  processes: number;
  /** --processes was given: it then applies to every suite, the workload matrix included. */
  processesSet: boolean;
  timeMs: number;
  smoke: boolean;
  /** Internal: run one suite in this process and write its raw result here. */
  childOut?: string;
  /** Internal: which of the suite's processes this child is (0-based). */
  childIndex?: number;
}

export const BENCH_HELP = `Usage: poisonbench bench [options]    (npm run bench -- [options])

Runs the benchmark suites, prints a table per suite and writes the reports: report.json
(canonical; schema docs/report.schema.json), report.md, report.html (charts) and
bench-bigger.json / bench-smaller.json (github-action-benchmark). Figures are medians over
processes. A live progress line shows on a terminal (not when piped or under CI=true).
report.md is appended to $GITHUB_STEP_SUMMARY when that is set.

Options:
  --suite NAME[,NAME]  suites to run: ${Object.keys(SUITES).join(', ')} (default: all)
  --out DIR            report directory (default bench-results/<UTC timestamp>)
  --json FILE          also write all rows as one github-action-benchmark JSON array
  --processes N        child processes per suite, 1..9 (default 3, the workload matrix 1;
                       1 with --smoke)
  --time MS            measuring time per task and round, 5..10000 ms (default 20; 10 with --smoke)
  --smoke              reduced sizes and times, for CI (under 30 s on 2 cores)
  -h, --help           this text

Exit status: 0 when every suite ran (missed targets are reported, not errors), 1 when a
suite failed, 130 on Ctrl-C (the reports then hold what finished, marked incomplete), 2 on
bad options or an unwritable --out.
`;

/** Default measuring time per task and round, ms (full run; --smoke uses SMOKE_TIME_MS). */
export const DEFAULT_TIME_MS = 20;
export const SMOKE_TIME_MS = 10;

const BENCH_FLAGS = ['--suite', '--out', '--json', '--processes', '--time', '--smoke', '--help'];

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { suites: Object.keys(SUITES) as SuiteName[], processes: 3, processesSet: false, timeMs: DEFAULT_TIME_MS, smoke: false };
  let processesSet = false;
  let timeSet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new RangeError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--suite': {
        const names = value().split(',').filter(Boolean);
        for (const n of names) {
          if (!(n in SUITES)) throw new RangeError(`--suite must name one of ${Object.keys(SUITES).join(', ')}, got ${JSON.stringify(n)}`);
        }
        args.suites = names as SuiteName[];
        break;
      }
      case '--out': args.out = value(); break;
      case '--json': args.json = value(); break;
      case '--processes': args.processes = intArg(a, value(), 1, 9); processesSet = true; break;
      case '--time': args.timeMs = intArg(a, value(), 5, 10_000); timeSet = true; break;
      case '--smoke': args.smoke = true; break;
      case '--child-out': args.childOut = value(); break;
      case '--child-index': args.childIndex = intArg(a, value(), 0, 8); break;
      default: throw new RangeError(`unknown option ${JSON.stringify(a)}${didYouMean(a, BENCH_FLAGS)} (see --help)`);
    }
  }
  args.processesSet = processesSet;
  if (args.smoke) {
    if (!processesSet) args.processes = 1;
    if (!timeSet) args.timeMs = SMOKE_TIME_MS;
  }
  return args;
}

function intArg(flag: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new RangeError(`${flag} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return n;
}

/**
 * Runs one suite in a fresh child process (so each process warms and measures on its own).
 * Asynchronous so the progress line keeps ticking while the child measures.
 */
/** The run was stopped by SIGINT (Ctrl-C). */
class Interrupted extends Error {
  constructor() { super('stopped by SIGINT'); }
}

async function runChild(suite: SuiteName, args: BenchArgs, dir: string, index: number, spawned: (c: ChildProcess | undefined) => void): Promise<SuiteResult> {
  const out = join(dir, `${suite}-${index}.json`);
  // --expose-gc: the badblocks suite measures flatten-js's heap per run after a collection.
  const child = spawn(process.execPath, ['--expose-gc',
    fileURLToPath(import.meta.url), '--suite', suite, '--time', String(args.timeMs), '--child-out', out, '--child-index', String(index),
    ...(args.smoke ? ['--smoke'] : []),
  ], { stdio: ['ignore', 'inherit', 'inherit'] });
  spawned(child);
  const status = await new Promise<number | string>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  spawned(undefined);
  // A terminal's Ctrl-C reaches the whole process group: the child may be gone before this
  // process's own SIGINT handler ran. It is an interruption, not a failed suite.
  if (status === 'SIGINT') throw new Interrupted();
  if (status !== 0) throw new Error(`benchmark suite ${suite} failed in process ${index + 1} (exit ${status})`);
  return JSON.parse(readFileSync(out, 'utf8')) as SuiteResult;
}

/**
 * Medians of rows and ratios over processes; the row's range shows min..max and its samples
 * every process's value. Parameters, direction and jobs come through (jobs: per name, the
 * median process's job, bench/lib/jobs.ts); a time split is medianed part by part.
 */
export function mergeResults(results: readonly SuiteResult[]): SuiteResult {
  const first = results[0]!;
  const rows: BenchRow[] = first.rows.map((row) => {
    const same = results.map((r) => r.rows.find((x) => x.name === row.name)).filter((x): x is BenchRow => x !== undefined && Number.isFinite(x.value));
    const values = same.map((x) => x.value);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const splits = same.map((x) => x.time_split).filter((x) => x !== undefined);
    return {
      name: row.name, unit: row.unit, value: values.length ? median(values) : NaN,
      range: values.length > 1 ? `${fmt(lo)}..${fmt(hi)} over ${values.length} processes` : row.range ?? '',
      ...(row.extra !== undefined ? { extra: row.extra } : {}),
      ...(row.params !== undefined ? { params: row.params } : {}),
      ...(row.direction !== undefined ? { direction: row.direction } : {}),
      ...(splits.length ? { time_split: { measured: median(splits.map((t) => t.measured)), modelled: median(splits.map((t) => t.modelled)) } } : {}),
      samples: values,
    };
  });
  const ratios: Record<string, number> = {};
  // A ratio some processes lack (work done in one process only) is the median of those having it.
  for (const key of Object.keys(first.ratios)) ratios[key] = median(results.map((r) => r.ratios[key]).filter((v): v is number => v !== undefined));
  const suite = SUITES[first.suite as SuiteName];
  const jobs = medianJobs(results.map((r) => r.jobs));
  return {
    suite: first.suite, rows, ratios, checks: suite.targets(ratios, rows),
    ...(jobs !== undefined ? { jobs } : {}),
    ...(first.model !== undefined ? { model: first.model } : {}),
  };
}

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));

/** Model parameters of a suite that states none: the simulator's defaults where it runs one. */
function suiteModel(name: SuiteName, merged: SuiteResult): SuiteInput['model'] {
  if (merged.model !== undefined) return merged.model;
  return name === 'paths' ? simulatorModel() : [];
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(BENCH_HELP);
    return 0;
  }
  const args = parseBenchArgs(argv);
  const runOptions: SuiteRunOptions = { timeMs: args.timeMs, smoke: args.smoke, ...(args.childIndex !== undefined ? { process: args.childIndex } : {}) };
  if (args.childOut !== undefined) {
    const suite = SUITES[args.suites[0]!];
    const result = await suite.run(runOptions);
    writeFileAtomic(args.childOut, JSON.stringify(result));
    return 0;
  }
  const created = new Date();
  const t0 = performance.now();
  const outDir = args.out ?? defaultOutDir(created);
  try {
    checkOutDir(outDir);
    if (args.json !== undefined) checkOutDir(join(args.json, '..'));
  } catch (err) {
    if (err instanceof ReportWriteError) {
      process.stderr.write(`poisonbench bench: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const environment = collectEnvironment();
  const dir = mkdtempSync(join(tmpdir(), 'poisonbench-'));
  const processesOf = (name: SuiteName): number => (args.processesSet ? args.processes : Math.min(args.processes, SUITES[name].defaultProcesses ?? args.processes));
  const progress = new Progress(args.suites.reduce((n, name) => n + processesOf(name), 0));
  const suites: SuiteInput[] = [];
  let error: string | undefined;
  let step = 0;
  // Ctrl-C: stop the running child and still write what finished, marked incomplete.
  let current: ChildProcess | undefined;
  let interrupted = false;
  const onSigint = (): void => { interrupted = true; current?.kill('SIGINT'); };
  process.on('SIGINT', onSigint);
  try {
    for (const name of args.suites) {
      const suite = SUITES[name];
      const started = performance.now();
      const results: SuiteResult[] = [];
      const processes = processesOf(name);
      for (let p = 0; p < processes; p++) {
        progress.update(step, `${name}: process ${p + 1} of ${processes}`);
        results.push(await runChild(name, args, dir, p, (c) => { current = c; }));
        step++;
        if (interrupted) throw new Error('stopped by SIGINT');
      }
      const merged = mergeResults(results);
      suites.push({
        ...merged, description: suite.description, processes,
        durationMs: performance.now() - started, model: suiteModel(name, merged),
      });
      progress.clear();
      process.stdout.write(`\n== ${name} (median of ${processes} process${processes > 1 ? 'es' : ''}, ${created.toISOString().slice(0, 10)}) ==\n`);
      process.stdout.write(suite.format(merged) + '\n');
      if (merged.jobs?.length) process.stdout.write('\nworkload jobs:\n' + formatJobsTable(merged.jobs) + '\n');
      if (merged.checks.length) {
        process.stdout.write('\ntargets:\n');
        for (const c of merged.checks) process.stdout.write(`  ${c.met ? 'met ' : 'MISS'}  ${c.name} = ${fmt(c.value)} (target ${c.target})\n`);
      }
    }
  } catch (err) {
    if (err instanceof Interrupted) interrupted = true;
    error = interrupted ? 'stopped by SIGINT' : err instanceof Error ? err.message : String(err);
  } finally {
    process.off('SIGINT', onSigint);
    progress.done();
    rmSync(dir, { recursive: true, force: true });
  }
  const report = buildReport({
    created, command: argv.join(' '), environment, durationMs: performance.now() - t0,
    options: { suites: args.suites, processes: args.processes, time_ms: args.timeMs, smoke: args.smoke },
    ...(error !== undefined ? { error } : {}),
  }, suites);
  let written: string[];
  try {
    written = writeReportFiles(outDir, report);
    if (args.json !== undefined) writeFileAtomic(args.json, gabText(gabEntries(report)));
  } catch (err) {
    process.stderr.write(`poisonbench bench: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const summary = appendStepSummary(renderMarkdown(report));
  const missed = report.suites.reduce((n, s) => n + s.checks.filter((c) => !c.met).length, 0);
  if (missed) process.stdout.write(`\n${missed} target(s) missed on this run (reported, not an error: figures depend on the machine)\n`);
  process.stdout.write(`\nreports (${(report.duration_ms / 1000).toFixed(1)} s run):\n${written.map((f) => `  ${f}\n`).join('')}`);
  if (args.json !== undefined) process.stdout.write(`  ${args.json} (all ${gabEntries(report).length} rows)\n`);
  if (summary !== undefined) process.stdout.write(`  report.md appended to ${summary}\n`);
  if (error !== undefined) {
    process.stderr.write(`poisonbench bench: ${error}; the reports hold what finished (marked incomplete)\n`);
    // 128 + SIGINT, as a shell reports a command stopped by Ctrl-C.
    return interrupted ? 130 : 1;
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
    process.stderr.write(`poisonbench bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  });
}
