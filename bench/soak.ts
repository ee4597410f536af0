/**
 * `npm run soak [-- --duration 20s] [--seed N] [--json FILE]`: the bounded soak of
 * src/workload/soak.ts. Exit status: 0 when every invariant held, 1 when one was violated
 * (named, with its evidence) or the watchdog fired, 2 for bad arguments (one line, no
 * stack trace). A hard timer ends the process if even the soak's own watchdog cannot
 * bring the jobs back.
 */
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/report/atomic.js';
import { parseDurationMs } from '../src/workload/values.js';
import { DEFAULT_SOAK_MS, WATCHDOG_SLACK_MS, formatSoak, runSoak } from '../src/workload/soak.js';

export const SOAK_HELP = `Usage: npm run soak -- [options]    (node dist/bench/soak.js [options])

Runs every I/O path (block, dax, mmap, dm) over every badblocks structure (table, itree,
btree, bitmap, and the legacy table) at once, with poison arriving, scrubs, recovery and
power failures, checking invariants continuously. Exit 0 when all held, 1 when one did not.

Options:
  --duration D   how long, 1s..60min: "2min", "20s", "90000ms" (default 2min; CI uses 20s)
  --seed N       seed of every choice, 0..4294967295 (default 1)
  --json FILE    also write the report as JSON
  -h, --help     this text
`;

export interface SoakArgs {
  durationMs: number;
  seed: number;
  json?: string;
  help: boolean;
}

/** @throws {RangeError} naming the argument, for bad input. */
export function parseSoakArgs(argv: readonly string[]): SoakArgs {
  const args: SoakArgs = { durationMs: DEFAULT_SOAK_MS, seed: 1, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new RangeError(`${a} needs a value (see --help)`);
      return v;
    };
    switch (a) {
      case '--duration': {
        const text = value();
        let ms: number;
        try {
          ms = parseDurationMs(text);
        } catch {
          throw new RangeError(`--duration must be a duration such as "20s" or "2m", got ${JSON.stringify(text)}`);
        }
        if (!(ms >= 1000 && ms <= 3_600_000)) throw new RangeError(`--duration must be in [1s, 60min], got ${JSON.stringify(text)}`);
        args.durationMs = ms;
        break;
      }
      case '--seed': {
        const text = value();
        const n = Number(text);
        if (!/^\d+$/.test(text) || n > 2 ** 32 - 1) throw new RangeError(`--seed must be a whole number in [0, 4294967295], got ${JSON.stringify(text)}`);
        args.seed = n;
        break;
      }
      case '--json': args.json = value(); break;
      case '-h': case '--help': args.help = true; break;
      default: throw new RangeError(`unknown option ${JSON.stringify(a)} for soak (see --help)`);
    }
  }
  return args;
}

/** Runs the command; returns the exit status. */
export async function soakMain(argv: readonly string[]): Promise<number> {
  let args: SoakArgs;
  try {
    args = parseSoakArgs(argv);
  } catch (err) {
    process.stderr.write(`soak: ${(err as Error).message}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(SOAK_HELP);
    return 0;
  }
  // The last resort: the soak's watchdog aborts the jobs; if even that does not bring them back, end the process.
  const hard = setTimeout(() => {
    process.stdout.write(`soak: FAIL: watchdog: still running ${((args.durationMs + 2 * WATCHDOG_SLACK_MS) / 1000).toFixed(0)} s after the start; exiting\n`);
    process.exit(1);
  }, args.durationMs + 2 * WATCHDOG_SLACK_MS);
  hard.unref();
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    const report = await runSoak({ durationMs: args.durationMs, seed: args.seed, signal: abort.signal, onProgress: (l) => process.stderr.write(`${l}\n`) });
    process.stdout.write(formatSoak(report));
    if (args.json !== undefined) writeFileAtomic(args.json, JSON.stringify(report, null, 2) + '\n');
    return report.passed ? 0 : 1;
  } finally {
    clearTimeout(hard);
    process.off('SIGINT', onSigint);
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  soakMain(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
    process.stderr.write(`soak: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
