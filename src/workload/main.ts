/**
 * `poisonbench run [JOB.json] [--NAME VALUE ...]`: checks a job file (and flag overrides)
 * against the option table, runs its jobs, prints a summary per job and optionally writes
 * the RunResult as JSON. Exit status: 0 complete, 1 when a worker failed or a verifying job
 * found an integrity violation (the JSON still says what ran, complete=false), 130 when
 * Ctrl-C stopped it (likewise), 2 for bad input (nothing ran).
 */
import { parseJsonInput, readInputFile } from '../core/input.js';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../report/atomic.js';
import { checkOutDir, describeFsError, ReportWriteError } from '../report/write.js';
import { didYouMean } from '../core/suggest.js';
import { optionFlags, runHelp } from './help.js';
import { jobFileSchemaText } from './schema.js';
import { resolveJobFile, type JobSpec } from './spec.js';
import type { OptionRow } from './options.js';
import type { RunResult } from './result.js';

/** Largest job file: 64 jobs of every option take a few KiB; a larger file is a mistake (a report, a dump). */
export const MAX_JOB_FILE_BYTES = 1024 * 1024;
/** Deepest JSON nesting of a job file: {"jobs": [{...}]} is 3 levels; values are scalars. */
export const MAX_JOB_FILE_DEPTH = 8;

export interface RunArgs {
  readonly file?: string;
  readonly json?: string;
  readonly check: boolean;
  readonly schema: boolean;
  readonly help: boolean;
  /** Option values from flags, by option name (text coerced to the row's JSON type). */
  readonly overrides: Record<string, unknown>;
}

/** A flag's text as the JSON value the file would hold: numbers for int/number, booleans for bool. */
function coerce(row: OptionRow, text: string): unknown {
  if (row.type === 'int' || row.type === 'number') return /^\s*-?\d+(\.\d+)?(e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : text;
  if (row.type === 'bool') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

/** @throws {RangeError} naming the flag for an unknown flag or a missing value. */
export function parseRunArgs(argv: readonly string[]): RunArgs {
  const flags = optionFlags();
  const overrides: Record<string, unknown> = {};
  let file: string | undefined;
  let json: string | undefined;
  let check = false;
  let schema = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new RangeError(`${flag} needs a value (see poisonbench run --help)`);
      return v;
    };
    if (flag === '-h' || flag === '--help') help = true;
    else if (flag === '--check') check = true;
    else if (flag === '--schema') schema = true;
    else if (flag === '--json') json = value();
    else if (flags.has(flag)) {
      const row = flags.get(flag)!;
      if (row.type === 'bool' && inline === undefined && argv[i + 1] !== 'true' && argv[i + 1] !== 'false') overrides[row.name] = true;
      else overrides[row.name] = coerce(row, value());
    } else if (flag.startsWith('-') && flag !== '-') {
      const known = ['--json', '--check', '--schema', '--help', ...flags.keys()];
      throw new RangeError(`unknown option ${JSON.stringify(flag)} for run${didYouMean(flag, known)} (see poisonbench run --help)`);
    } else if (file === undefined) file = arg;
    else throw new RangeError(`run takes one JOB.json, got a second: ${JSON.stringify(arg)}`);
  }
  return { ...(file !== undefined ? { file } : {}), ...(json !== undefined ? { json } : {}), check, schema, help, overrides };
}

/** The job file's jobs with the flags applied. @throws {RangeError} (exit 2) for unreadable or bad input. */
export function loadJobs(args: RunArgs): JobSpec[] {
  let parsed: unknown = { jobs: [{ name: 'cli' }] };
  if (args.file !== undefined) {
    const text = readInputFile(args.file, 'job file', MAX_JOB_FILE_BYTES);
    parsed = parseJsonInput(text, args.file === '-' ? 'standard input' : args.file, 'job file', MAX_JOB_FILE_DEPTH, '{"jobs": [{"rw": "randread"}]}');
  }
  return resolveJobFile(parsed, args.overrides);
}

/**
 * Test hook: POISONBENCH_FAIL_WORKER="W:OP" makes worker W of every job throw at op OP,
 * "W:OP:exit" end its thread there (tests of the command's failure path; see README
 * "Troubleshooting").
 */
function failHook(): { failWorker?: { worker: number; op: number; how: 'throw' | 'exit' } } {
  const v = process.env['POISONBENCH_FAIL_WORKER'];
  const m = v === undefined ? null : /^(\d+):(\d+)(?::(throw|exit))?$/.exec(v);
  if (m === null) return {};
  return { failWorker: { worker: Number(m[1]), op: Number(m[2]), how: (m[3] ?? 'throw') as 'throw' | 'exit' } };
}

/** Runs the command; returns the exit status. Bad input throws RangeError (the caller prints it, exit 2). */
export async function runMain(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const args = parseRunArgs(argv);
  if (args.help) {
    out(runHelp());
    return 0;
  }
  if (args.schema) {
    out(jobFileSchemaText());
    return 0;
  }
  const jobs = loadJobs(args);
  // A --json that cannot be written fails now, before the run, not after it.
  if (args.json !== undefined && !args.check) {
    try {
      checkOutDir(dirname(resolve(args.json)));
    } catch (err) {
      throw new RangeError(`--json ${args.json}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (args.check) {
    out(`${args.file ?? '(flags)'}: ${jobs.length} job(s) OK: ${jobs.map((j) => j.name).join(', ')}\n`);
    return 0;
  }
  const { runJobs } = await import('./engine.js');
  const { formatRun } = await import('./format.js');
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  let result: RunResult;
  try {
    result = await runJobs(jobs, { signal: abort.signal, onProgress: (l) => process.stderr.write(`${l}\n`), ...failHook() });
  } finally {
    process.off('SIGINT', onSigint);
  }
  out(formatRun(result));
  if (args.json !== undefined) {
    try {
      writeFileAtomic(args.json, JSON.stringify(result, null, 2) + '\n');
    } catch (err) {
      // The summary is printed; the file is not half-written (atomic), and the run is not a success.
      throw new ReportWriteError(`cannot write ${args.json}: ${describeFsError(err)}`);
    }
  }
  // 128 + SIGINT on Ctrl-C, as a shell reports a command it stopped (and as bench does).
  return result.complete ? 0 : abort.signal.aborted ? 130 : 1;
}
