/**
 * The `poisonbench` command. Every subcommand has `--help`; a user's mistake prints one line
 * naming what is wrong and exits 2, never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { packageVersion } from './core/package.js';
import { readInputFile } from './core/input.js';
import { didYouMean } from './core/suggest.js';
import { ALL_BADBLOCKS_KINDS, type BadblocksKind } from './badblocks/kinds.js';

const HELP = `poisonbench — simulate and measure Linux persistent-memory poison handling

Usage: poisonbench <command> [options]

Commands:
  bench                     run the benchmark suites (what \`npm run bench\` runs)
  badblocks replay FILE     replay a kernel badblocks trace (.jsonl) and report the first mismatch
  badblocks diff --ops FILE run ops through the pre-6.7 and the 6.15 badblocks tables: where they diverge
  sim SCRIPT|-              run a scenario script (one JSON line per command; --check validates only)
  errmap check FILE         check a real machine's error map (sysfs badblocks or ndctl JSON)
  run [JOB.json]            run a workload job file: worker threads doing I/O while poison comes and goes
  compare OLD NEW           compare two benchmark reports per metric; exit 1 on a regression

Options:
  -h, --help                help (also after any command)
  -V, --version             print the version
`;

const REPLAY_HELP = `Usage: poisonbench badblocks replay FILE.jsonl [--kind KIND]

Replays a trace of the kernel's block/badblocks.c (format: test/fixtures/badblocks-traces/README.md)
against the simulator and prints the first mismatch. Exit 0 when every op matches, 1 on a
mismatch, 2 on bad input. FILE "-" reads standard input.

Options:
  --kind KIND   structure to replay against: ${ALL_BADBLOCKS_KINDS.join(', ')} (default table);
                the run kinds compare only what does not depend on the table's 512-sector entries

See also: poisonbench badblocks diff --help (the pre-6.7 table against the 6.15 one).
`;

export class UsageError extends Error {}

const COMMANDS = ['bench', 'badblocks', 'sim', 'errmap', 'run', 'compare'];

/** Largest trace replayed: the longest fixture is 2420 ops, about 200 KiB. */
const MAX_TRACE_BYTES = 64 * 1024 * 1024;


async function badblocksCommand(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(REPLAY_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'diff') {
    const { diffMain } = await import('./badblocks/diff.js');
    return await diffMain(rest, { readFile: (f) => readFileSync(f === '-' ? 0 : f, 'utf8'), write: (s) => process.stdout.write(s) });
  }
  if (sub !== 'replay') throw new UsageError(`unknown badblocks command ${JSON.stringify(sub)}${didYouMean(sub, ['replay', 'diff'])} (known: replay, diff)`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(REPLAY_HELP);
    return 0;
  }
  let file: string | undefined;
  let kind: BadblocksKind = 'table';
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--kind') {
      const k = rest[++i];
      if (k === undefined || !ALL_BADBLOCKS_KINDS.includes(k as BadblocksKind)) {
        throw new UsageError(`--kind must be one of ${ALL_BADBLOCKS_KINDS.join(', ')}, got ${JSON.stringify(k ?? '')}`);
      }
      kind = k as BadblocksKind;
    } else if (a.startsWith('-') && a !== '-') {
      throw new UsageError(`unknown option ${JSON.stringify(a)} for badblocks replay${didYouMean(a, ['--kind', '--help'])} (see --help)`);
    } else if (file === undefined) {
      file = a;
    } else {
      throw new UsageError(`badblocks replay takes one FILE, got a second: ${JSON.stringify(a)}`);
    }
  }
  if (file === undefined) throw new UsageError('badblocks replay needs a FILE (a .jsonl trace, or - for standard input)');
  const text = readInputFile(file, 'trace', MAX_TRACE_BYTES);
  // An empty trace would "match (0 of 0 ops)": say it is empty instead of reporting a pass.
  if (text.trim() === '') throw new UsageError(`${file === '-' ? 'standard input' : file} is empty: a trace is one JSON op per line (test/fixtures/badblocks-traces/README.md)`);
  const { replayTrace, formatReplayResult } = await import('./badblocks/replay.js');
  const result = await replayTrace(text, { kind });
  process.stdout.write(formatReplayResult(result, file) + '\n');
  return result.mismatch === null ? 0 : 1;
}

/** Runs the command line; returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const [cmd, ...rest] = argv;
    switch (cmd) {
      case undefined:
      case '-h':
      case '--help':
        process.stdout.write(HELP);
        return cmd === undefined ? 2 : 0;
      case '-V':
      case '--version':
        process.stdout.write(`poisonbench ${packageVersion()}\n`);
        return 0;
      case 'bench': {
        const bench = await import('../bench/main.js');
        return await bench.main(rest);
      }
      case 'badblocks':
        return await badblocksCommand(rest);
      case 'errmap':
        return (await import('./cli-errmap.js')).errmapMain(rest);
      case 'compare': {
        // Bad input (unreadable file, unknown shape) is a CompareInputError: exit 2.
        const { compareMain, CompareInputError } = await import('./report/compare.js');
        try {
          return compareMain(rest);
        } catch (err) {
          if (err instanceof CompareInputError) throw new UsageError(err.message);
          throw err;
        }
      }
      case 'sim': {
        // The scenario language (src/sim/main.ts) reports its own errors and exit status; it
        // runs on the simulated system (src/sim/system-executor.ts), loaded only for a run.
        const sim = await import('./sim/main.js');
        return await sim.simMain(rest, {
          createExecutor: async (platform) => (await import('./sim/system-executor.js')).createSystemExecutor(platform),
        });
      }
      case 'run': {
        // Workload jobs (src/workload/main.ts): bad input is a RangeError (exit 2 below).
        const { runMain } = await import('./workload/main.js');
        return await runMain(rest);
      }
      default:
        throw new UsageError(`unknown command ${JSON.stringify(cmd)}${didYouMean(cmd, COMMANDS)} (see poisonbench --help)`);
    }
  } catch (err) {
    // SyntaxError: a user's file that is not JSON (a trace line), thrown by JSON.parse.
    if (err instanceof UsageError || err instanceof RangeError || err instanceof TypeError || err instanceof SyntaxError) {
      process.stderr.write(`poisonbench: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`poisonbench: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
