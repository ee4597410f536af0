/**
 * Reading a user's input file (job file, scenario script, trace, report): size limit checked
 * before reading, and JSON checked for emptiness, nesting and truncation before parsing, so
 * that a wrong file gives one line naming the file, what is wrong and what is allowed — not
 * minutes of parsing, an out-of-memory crash or a bare "Unexpected end of JSON input".
 */
import { fstatSync, readFileSync, statSync } from 'node:fs';

/** A user's input that cannot be used; one line for the user (exit 2). */
export class InputError extends RangeError {}

const MIB = 1024 * 1024;

/** "a job file", "an error map". */
const a = (what: string): string => `${/^[aeiou]/i.test(what) ? 'an' : 'a'} ${what}`;

/** Bytes `n` as "1 MiB" / "16 MiB" when whole MiB, else "N bytes". */
export function limitText(n: number): string {
  return n % MIB === 0 ? `${n / MIB} MiB` : `${n} bytes`;
}

/**
 * The text of `path` (`-`: standard input), at most `limitBytes`.
 * @throws {InputError} naming the file: unreadable (with the errno code), a directory, or
 *   larger than the limit (checked on the size before reading a regular file).
 */
export function readInputFile(path: string, what: string, limitBytes: number): string {
  const name = path === '-' ? 'standard input' : path;
  const tooLarge = (bytes: number): InputError =>
    new InputError(`${name} is ${bytes} bytes, more than the ${limitText(limitBytes)} ${a(what)} may hold`);
  try {
    const st = path === '-' ? fstatSync(0) : statSync(path);
    if (st.isDirectory()) throw new InputError(`${name} is a directory, not ${a(what)}`);
    if (st.isFile() && st.size > limitBytes) throw tooLarge(st.size);
    const text = readFileSync(path === '-' ? 0 : path, 'utf8');
    // A pipe's size is known only now; so is a file that grew since the stat.
    if (Buffer.byteLength(text, 'utf8') > limitBytes) throw tooLarge(Buffer.byteLength(text, 'utf8'));
    return text;
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'a directory', ENOTDIR: 'a path component is a file' };
    throw new InputError(`cannot read ${name}: ${code ?? String(err)}${code !== undefined && why[code] ? ` (${why[code]})` : ''}`, { cause: err });
  }
}

/**
 * The nesting depth of JSON text, counted without parsing (strings skipped), stopping past
 * `limit`, and whether the text ends inside a string or an unclosed bracket (truncated).
 */
export function jsonDepth(text: string, limit: number): { max: number; open: boolean } {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max && (max = depth) > limit) return { max, open: true };
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return { max, open: inString || depth > 0 };
}

/**
 * `text` parsed as JSON: refused when empty, nested deeper than `maxDepth`, or not JSON
 * (saying "truncated?" when it ends inside a string or an open bracket).
 * @throws {InputError} `${name}: ...` with `example` showing what is expected.
 */
export function parseJsonInput(text: string, name: string, what: string, maxDepth: number, example: string): unknown {
  if (text.trim() === '') throw new InputError(`${name} is empty; ${a(what)} is JSON such as ${example}`);
  const shape = jsonDepth(text, maxDepth);
  if (shape.max > maxDepth) throw new InputError(`${name}: JSON nested more than ${maxDepth} levels deep; ${a(what)} needs at most ${maxDepth}`);
  try {
    return JSON.parse(text);
  } catch (err) {
    // V8 quotes the text around the error, newlines included: keep the message one line.
    const why = (err as Error).message.replace(/\s*\n\s*/g, ' ');
    // Truncated: the text ends inside a string or an open bracket, and that is where the parser stopped.
    const truncated = shape.open && /end of JSON|Unterminated string/i.test(why);
    throw new InputError(`${name} is not JSON${truncated ? ' (truncated?)' : ''}: ${why}; ${a(what)} is JSON such as ${example}`, { cause: err });
  }
}
