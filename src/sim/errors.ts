/**
 * What is wrong with a scenario script, tied to its line.
 *
 * A malformed script is the user's mistake, not a simulator failure: it is reported as
 * `line N: <what is wrong>` (naming the key, the value and what is allowed) and exit
 * status 2, never as a stack trace. Validation collects these as data rather than throwing,
 * so one pass can report every bad line of a script at once.
 */

export class ScriptError {
  /** 1-based line of the script. */
  readonly line: number;
  readonly message: string;

  constructor(line: number, message: string) {
    this.line = line;
    this.message = message;
  }

  /** `line N: message`, the form printed on stderr. */
  toString(): string {
    return `line ${this.line}: ${this.message}`;
  }
}

/**
 * A command that raised something other than a kernel refusal while it ran: a bug or a
 * limit of the simulator, never the script's fault (the script was fully validated first).
 * Carries the line so the CLI can say where the run stopped.
 */
export class SimRuntimeError extends Error {
  readonly line: number;
  readonly cmd: string;

  constructor(line: number, cmd: string, cause: unknown) {
    super(`line ${line}: ${cmd} failed inside the simulator: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'SimRuntimeError';
    this.line = line;
    this.cmd = cmd;
  }
}
