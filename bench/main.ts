/**
 * `npm run bench` / `poisonbench bench`: runs the benchmark suites and prints their tables.
 *
 * Figures are medians over several processes (DESIGN.md "Measuring"): the parent runs each
 * suite in `--processes` child processes one after another (never at once: 2 cores), takes
 * each row's median, and checks the targets on the median of the same-process ratios.
 *
 *   --suite NAME[,NAME]  suites to run (default: all)
 *   --json FILE          write every row as a github-action-benchmark array
 *   --processes N        child processes per suite (default 3; 1 with --smoke)
 *   --time MS            measuring time per task and round (default 100; 20 with --smoke)
 *   --smoke              a reduced, quick run (CI)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, type BenchRow, type SuiteResult } from './lib/rows.js';
import { writeFileAtomic } from '../src/report/atomic.js';
import { SUITES, type SuiteName, type SuiteRunOptions } from './suites/index.js';

export interface BenchArgs {
  suites: SuiteName[];
  json?: string;
  processes: number;
  timeMs: number;
  smoke: boolean;
  /** Internal: run one suite in this process and write its raw result here. */
  childOut?: string;
}

export const BENCH_HELP = `Usage: poisonbench bench [options]    (npm run bench -- [options])

Runs the benchmark suites and prints a table per suite; figures are medians over processes.

Options:
  --suite NAME[,NAME]  suites to run: ${Object.keys(SUITES).join(', ')} (default: all)
  --json FILE          also write all rows as a github-action-benchmark JSON array
  --processes N        child processes per suite, 1..9 (default 3; 1 with --smoke)
  --time MS            measuring time per task and round, 5..10000 ms (default 100)
  --smoke              reduced sizes and times, for CI (about 2 minutes on 2 cores)
  -h, --help           this text
`;

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { suites: Object.keys(SUITES) as SuiteName[], processes: 3, timeMs: 100, smoke: false };
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
      case '--json': args.json = value(); break;
      case '--processes': args.processes = intArg(a, value(), 1, 9); processesSet = true; break;
      case '--time': args.timeMs = intArg(a, value(), 5, 10_000); timeSet = true; break;
      case '--smoke': args.smoke = true; break;
      case '--child-out': args.childOut = value(); break;
      default: throw new RangeError(`unknown option ${JSON.stringify(a)} (see --help)`);
    }
  }
  if (args.smoke) {
    if (!processesSet) args.processes = 1;
    if (!timeSet) args.timeMs = 20;
  }
  return args;
}

function intArg(flag: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new RangeError(`${flag} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return n;
}

/** Runs one suite in a fresh child process (so each process warms and measures on its own). */
function runChild(suite: SuiteName, args: BenchArgs, dir: string, index: number): SuiteResult {
  const out = join(dir, `${suite}-${index}.json`);
  // --expose-gc: the badblocks suite measures flatten-js's heap per run after a collection.
  const child = spawnSync(process.execPath, ['--expose-gc',
    fileURLToPath(import.meta.url), '--suite', suite, '--time', String(args.timeMs), '--child-out', out,
    ...(args.smoke ? ['--smoke'] : []),
  ], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (child.status !== 0) throw new Error(`benchmark suite ${suite} failed in process ${index + 1} (exit ${child.status ?? child.signal})`);
  return JSON.parse(readFileSync(out, 'utf8')) as SuiteResult;
}

/** Medians of rows and ratios over processes; the row's range shows min..max. */
export function mergeResults(results: readonly SuiteResult[]): SuiteResult {
  const first = results[0]!;
  const rows: BenchRow[] = first.rows.map((row) => {
    const values = results.map((r) => r.rows.find((x) => x.name === row.name)?.value ?? NaN).filter(Number.isFinite);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    return {
      name: row.name, unit: row.unit, value: median(values),
      range: results.length > 1 ? `${fmt(lo)}..${fmt(hi)} over ${values.length} processes` : row.range ?? '',
      ...(row.extra !== undefined ? { extra: row.extra } : {}),
    };
  });
  const ratios: Record<string, number> = {};
  for (const key of Object.keys(first.ratios)) ratios[key] = median(results.map((r) => r.ratios[key]!));
  const suite = SUITES[first.suite as SuiteName];
  return { suite: first.suite, rows, ratios, checks: suite.targets(ratios, rows) };
}

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(BENCH_HELP);
    return 0;
  }
  const args = parseBenchArgs(argv);
  const runOptions: SuiteRunOptions = { timeMs: args.timeMs, smoke: args.smoke };
  if (args.childOut !== undefined) {
    const suite = SUITES[args.suites[0]!];
    const result = await suite.run(runOptions);
    writeFileAtomic(args.childOut, JSON.stringify(result));
    return 0;
  }
  const dir = mkdtempSync(join(tmpdir(), 'poisonbench-'));
  const allRows: BenchRow[] = [];
  let missed = 0;
  try {
    for (const name of args.suites) {
      const suite = SUITES[name];
      process.stderr.write(`suite ${name}: ${args.processes} process(es)...\n`);
      const results: SuiteResult[] = [];
      for (let p = 0; p < args.processes; p++) results.push(runChild(name, args, dir, p));
      const merged = mergeResults(results);
      allRows.push(...merged.rows);
      process.stdout.write(`\n== ${name} (median of ${args.processes} process${args.processes > 1 ? 'es' : ''}, ${new Date().toISOString().slice(0, 10)}) ==\n`);
      process.stdout.write(suite.format(merged) + '\n');
      if (merged.checks.length) {
        process.stdout.write('\ntargets:\n');
        for (const c of merged.checks) {
          process.stdout.write(`  ${c.met ? 'met ' : 'MISS'}  ${c.name} = ${fmt(c.value)} (target ${c.target})\n`);
          if (!c.met) missed++;
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (args.json !== undefined) {
    writeFileAtomic(args.json, JSON.stringify(allRows, null, 2) + '\n');
    process.stdout.write(`\nwrote ${allRows.length} rows to ${args.json}\n`);
  }
  if (missed) process.stdout.write(`\n${missed} target(s) missed on this run (reported, not an error: figures depend on the machine)\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
    process.stderr.write(`poisonbench bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  });
}
