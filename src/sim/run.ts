/**
 * Running a scenario script: validate all of it, create the executor once, run the lines
 * in order, print one output line per command as it completes.
 *
 * A kernel refusal (a KernelError thrown, or an errno returned) is the line's `ret` and the
 * script goes on, as a shell script around real syscalls would. Anything else thrown is a
 * simulator failure: the run stops with a SimRuntimeError naming the line; the lines before
 * it have been printed (the output is streamed, which is what a long scenario needs).
 */
import { KernelError } from '../core/errors.js';
import { ScriptError, SimRuntimeError } from './errors.js';
import { DISPATCH, type ExecutorFactory, type SimExecutor, type SimOutcome } from './executor.js';
import { formatRecord } from './output.js';
import { validateScript, type ValidatedCommand, type ValidatedScript } from './validate.js';

export type SimulateResult =
  | { readonly status: 'malformed'; readonly errors: readonly ScriptError[] }
  | { readonly status: 'ran'; readonly commands: number };

/** Runs one validated command; kernel refusals become `{ ret: code }`. */
async function runOne(executor: SimExecutor, cmd: ValidatedCommand): Promise<SimOutcome> {
  const call = DISPATCH[cmd.word] as (e: SimExecutor, a: unknown) => SimOutcome | Promise<SimOutcome>;
  try {
    return await call(executor, cmd.args);
  } catch (err) {
    if (err instanceof KernelError) return { ret: err.code };
    throw new SimRuntimeError(cmd.line, cmd.word, err);
  }
}

/**
 * Runs every command of a validated script through `executor`, calling `emit` with each
 * output line (no newline). Closes the executor at the end, also after a failure.
 * @throws {SimRuntimeError} when a command fails inside the simulator
 */
export async function runScript(script: ValidatedScript, executor: SimExecutor, emit: (line: string) => void): Promise<void> {
  try {
    for (const cmd of script.commands) {
      const outcome = await runOne(executor, cmd);
      let text: string;
      try {
        text = formatRecord(cmd.line, cmd.word, outcome);
      } catch (err) {
        throw new SimRuntimeError(cmd.line, cmd.word, err);
      }
      emit(text);
    }
  } finally {
    await executor.close?.();
  }
}

/**
 * Validates `text`, then (only if every line is well-formed) creates the executor and runs
 * the script. A script with no commands runs nothing and creates no executor.
 * @throws {SimRuntimeError} when a command fails inside the simulator
 */
export async function simulate(text: string, createExecutor: ExecutorFactory, emit: (line: string) => void): Promise<SimulateResult> {
  const validation = validateScript(text);
  if (!validation.ok) return { status: 'malformed', errors: validation.errors };
  const { script } = validation;
  if (script.commands.length === 0) return { status: 'ran', commands: 0 };
  const executor = await createExecutor(script.platform);
  await runScript(script, executor, emit);
  return { status: 'ran', commands: script.commands.length };
}
