/**
 * A scenario script as a list of raw commands: the command word and its `key=value`
 * arguments per line, exactly as written, with line numbers.
 *
 * One command per line; blank and comment-only lines are skipped but keep their numbers,
 * so every message points at the line the user sees in an editor. Line ends may be `\n` or
 * `\r\n`; a leading byte-order mark is ignored. Nothing here knows the command table:
 * validate.ts checks words, keys and values, so that the syntax stays fixed while the
 * language grows (issue 5 adds commands as table rows, not grammar).
 */
import { ScriptError } from './errors.js';
import { lexLine, type Token } from './lexer.js';

/** Longest line: four times the longest string value (4096), with room for the other keys. */
export const MAX_LINE_CHARS = 16384;

/** One argument as written: `value === null` for a bare flag. */
export type RawArg = Token;

export interface RawCommand {
  /** 1-based line number in the script. */
  readonly line: number;
  readonly word: string;
  readonly args: readonly RawArg[];
}

export interface ParsedScript {
  readonly commands: readonly RawCommand[];
  /** Lines whose syntax is wrong; they produce no command. */
  readonly errors: readonly ScriptError[];
}

/** Splits a script into raw commands; syntax errors are collected, one per bad line. */
export function parseScript(text: string): ParsedScript {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split('\n');
  // A final newline does not start another line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const commands: RawCommand[] = [];
  const errors: ScriptError[] = [];
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.length > MAX_LINE_CHARS) {
      errors.push(new ScriptError(line, `the line is ${raw.length} characters, more than the ${MAX_LINE_CHARS} a script line may hold (the longest value, a quoted text=, devs= or windows=, is 4096)`));
      return;
    }
    const tokens = lexLine(raw.endsWith('\r') ? raw.slice(0, -1) : raw, line);
    if (tokens instanceof ScriptError) {
      errors.push(tokens);
      return;
    }
    const [first, ...args] = tokens;
    if (first === undefined) return;
    if (first.value !== null) {
      errors.push(new ScriptError(line, `a line starts with a command word, got ${first.key}=${first.quoted ? JSON.stringify(first.value) : first.value}`));
      return;
    }
    commands.push({ line, word: first.key, args });
  });
  return { commands, errors };
}
