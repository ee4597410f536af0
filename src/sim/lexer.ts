/**
 * The tokens of one scenario-script line.
 *
 * A line is a sequence of tokens separated by blanks (spaces, tabs):
 *
 *     write   sector=96   bytes=4k   pattern=0xab   # a comment
 *     ^word   ^key=value  ^key=value ^key=value     ^ ignored to the end of the line
 *
 *     badblocks-store text="100 8\n"       device size=64MiB eadr
 *                     ^key="string"                          ^bare flag
 *
 * - A token is either bare (`eadr`, and the command word itself) or `key=value`. The key is
 *   everything before the first `=`; an unquoted value runs to the next blank or `#`.
 * - `#` outside a string starts a comment wherever it appears, so `bytes=4k#x` is `bytes=4k`.
 * - A value may be a `"..."` string: blanks and `#` inside are data; the escapes are `\n`,
 *   `\\` and `\"` (anything else after `\` is refused rather than guessed, so a script
 *   means the same thing to every reader). A closing quote must end the token.
 * - Quotes are only ever a whole value: `"x"` alone, or `a"b"` in the middle of a value, is
 *   refused, because it almost always means a missing `key=` or a stray quote.
 *
 * The lexer knows nothing about commands or key types: which tokens a command accepts and
 * what their values mean is the command table's business (commands.ts, values.ts). Its only
 * errors are ones no table could fix.
 */
import { ScriptError } from './errors.js';

/** One token. `value === null` is a bare word or flag; a quoted `""` is the empty string. */
export interface Token {
  readonly key: string;
  readonly value: string | null;
  /** The value was written as a `"..."` string (its escapes already decoded). */
  readonly quoted: boolean;
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', '\\': '\\', '"': '"' };

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/** Renders source text for a message without letting control characters through. */
function show(text: string): string {
  return JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text);
}

/**
 * Splits one line (without its line terminator) into tokens.
 * @param lineNo 1-based line number, for the error
 * @returns the tokens, or the first thing wrong with the line
 */
export function lexLine(text: string, lineNo: number): Token[] | ScriptError {
  const tokens: Token[] = [];
  // After the command word, say which command the problem is in, as validation does.
  const fail = (message: string): ScriptError =>
    new ScriptError(lineNo, tokens[0]?.value === null ? `${tokens[0].key}: ${message}` : message);
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (isBlank(c)) {
      i++;
      continue;
    }
    if (c === '#') break;
    if (c === '"') return fail(`a string must be the value of a key, as in text="...": got ${show(text.slice(i))}`);
    // Key (or bare word): up to a blank, '=', '#' or a quote.
    const keyStart = i;
    while (i < n && !isBlank(text[i]) && text[i] !== '=' && text[i] !== '#' && text[i] !== '"') i++;
    const key = text.slice(keyStart, i);
    if (text[i] === '"') return fail(`a quote may only start a value, as in key="...": got ${show(text.slice(keyStart))}`);
    if (text[i] !== '=') {
      tokens.push({ key, value: null, quoted: false });
      continue;
    }
    if (key === '') return fail(`"=" needs a key before it (write key=value without blanks): got ${show(text.slice(keyStart))}`);
    i++; // past '='
    if (text[i] === '"') {
      i++;
      let value = '';
      let closed = false;
      while (i < n) {
        const d = text[i]!;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\') {
          const e = text[i + 1];
          const decoded = e === undefined ? undefined : ESCAPES[e];
          if (decoded === undefined) {
            return fail(`${key}: unknown escape ${e === undefined ? '\\ at the end of the line' : '\\' + e} in a string (known: \\n \\\\ \\")`);
          }
          value += decoded;
          i += 2;
          continue;
        }
        value += d;
        i++;
      }
      if (!closed) return fail(`${key}: the string is not closed: a " is missing at the end of the line`);
      if (i < n && !isBlank(text[i]) && text[i] !== '#') {
        return fail(`${key}: the closing quote must end the value; put a blank after it: got ${show(text.slice(keyStart))}`);
      }
      tokens.push({ key, value, quoted: true });
      continue;
    }
    const valueStart = i;
    while (i < n && !isBlank(text[i]) && text[i] !== '#' && text[i] !== '"') i++;
    if (text[i] === '"') return fail(`${key}: a quote inside a value; quote the whole value, as in ${key}="...": got ${show(text.slice(keyStart))}`);
    const value = text.slice(valueStart, i);
    if (value === '') return fail(`${key}= needs a value after "=" (write key=value without blanks)`);
    tokens.push({ key, value, quoted: false });
  }
  return tokens;
}
