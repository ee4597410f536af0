/**
 * `poisonbench sim SCRIPT|- [--check] | --markdown | --help`: the command-line face of the
 * scenario language (src/cli.ts hands `sim` here).
 *
 * Exit status: 0 the script ran (kernel refusals are `ret` values) or, with --check, is
 * well-formed; 2 a malformed script (`line N: …` on stderr, nothing ran) or a usage error;
 * 1 a failure inside the simulator, or no executor to run on (a caller that passed none).
 *
 * The executor comes from `deps.createExecutor`, so this file does not depend on the
 * simulated system's modules: src/cli.ts passes the real factory (system-executor.ts,
 * loaded only when a script runs) and tests pass a fake one, with the same code path in both.
 */
import { InputError, readInputFile } from '../core/input.js';
import { didYouMean } from './suggest.js';
import { SimRuntimeError } from './errors.js';
import type { ExecutorFactory } from './executor.js';
import { commandReferenceMarkdown, simHelp } from './help.js';
import { parseScript } from './parse.js';
import { simulate } from './run.js';
import { validateScript } from './validate.js';

export interface SimIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The script text; `-` is standard input. @throws a NodeJS.ErrnoException when unreadable */
  readonly readScript: (path: string) => string;
}

export interface SimDeps {
  readonly createExecutor?: ExecutorFactory;
  readonly io?: Partial<SimIo>;
}

/** More bad lines than this and the rest are counted, not printed: the first ones are what to fix. */
export const MAX_ERRORS_SHOWN = 20;

const DEFAULT_IO: SimIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readScript: (path) => readInputFile(path, 'scenario script', MAX_SCRIPT_BYTES),
};

/** Largest script: the longest shipped one (e6-table-full.sim, 613 lines) is 20 KiB. */
export const MAX_SCRIPT_BYTES = 16 * 1024 * 1024;

/** Runs `poisonbench sim` with the arguments after `sim`; returns the exit status. */
export async function simMain(argv: readonly string[], deps: SimDeps = {}): Promise<number> {
  const io: SimIo = { ...DEFAULT_IO, ...deps.io };
  const usage = (message: string): number => {
    io.stderr(`poisonbench sim: ${message}\n`);
    return 2;
  };
  let script: string | undefined;
  let check = false;
  for (const a of argv) {
    if (a === '-h' || a === '--help') {
      io.stdout(simHelp());
      return 0;
    }
    if (a === '--markdown') {
      io.stdout(commandReferenceMarkdown());
      return 0;
    }
    if (a === '--check') check = true;
    else if (a.startsWith('-') && a !== '-') return usage(`unknown option ${JSON.stringify(a)}${didYouMean(a, ['--check', '--markdown', '--help'])} (see poisonbench sim --help)`);
    else if (script === undefined) script = a;
    else return usage(`takes one SCRIPT, got a second: ${JSON.stringify(a)}`);
  }
  if (script === undefined) return usage('needs a SCRIPT: a file, or - for standard input (see poisonbench sim --help)');
  let text: string;
  try {
    text = io.readScript(script);
  } catch (err) {
    if (err instanceof InputError) return usage(err.message);
    return usage(`cannot read ${script === '-' ? 'standard input' : script}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  // A file of only blank and comment lines is almost always the wrong file: running it would
  // "succeed" with no output.
  const parsed = parseScript(text);
  if (parsed.commands.length === 0 && parsed.errors.length === 0) {
    return usage(`${script === '-' ? 'standard input' : script} has no commands (only blank or comment lines); a script starts with a device line such as "device size=64MiB"`);
  }

  if (check || deps.createExecutor === undefined) {
    const v = validateScript(text);
    if (!v.ok) return reportMalformed(io, v.errors);
    if (check) return 0;
    io.stderr(`poisonbench sim: the script is well-formed (${v.script.commands.length} commands), but this build has no simulated system to run it on; --check only validates\n`);
    return 1;
  }
  try {
    const result = await simulate(text, deps.createExecutor, (line) => io.stdout(line + '\n'));
    if (result.status === 'malformed') return reportMalformed(io, result.errors);
    return 0;
  } catch (err) {
    // Not the script's fault (it was validated); say where the run stopped, without a stack.
    const message = err instanceof SimRuntimeError ? err.message : `the simulator failed: ${err instanceof Error ? err.message : String(err)}`;
    io.stderr(`poisonbench sim: ${message}\n`);
    return 1;
  }
}

function reportMalformed(io: SimIo, errors: readonly { toString(): string }[]): number {
  const shown = errors.slice(0, MAX_ERRORS_SHOWN);
  let text = shown.map((e) => e.toString() + '\n').join('');
  if (errors.length > shown.length) text += `… and ${errors.length - shown.length} more malformed lines\n`;
  io.stderr(text);
  return 2;
}
