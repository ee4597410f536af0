/**
 * The lexer on every syntax feature of a line: bare words and flags, key=value, comments
 * (outside strings only), "..." strings and their three escapes, and each refusal.
 */
import { describe, it, expect } from 'vitest';
import { lexLine, type Token } from '../../src/sim/lexer.js';
import { ScriptError } from '../../src/sim/errors.js';

function tokens(text: string): Token[] {
  const r = lexLine(text, 7);
  if (r instanceof ScriptError) throw new Error(`unexpected error: ${r.toString()}`);
  return r;
}

function error(text: string): string {
  const r = lexLine(text, 7);
  if (!(r instanceof ScriptError)) throw new Error(`expected an error for ${JSON.stringify(text)}, got ${JSON.stringify(r)}`);
  expect(r.line).toBe(7);
  return r.toString();
}

const bare = (key: string): Token => ({ key, value: null, quoted: false });
const pair = (key: string, value: string, quoted = false): Token => ({ key, value, quoted });

describe('lexLine', () => {
  it('splits a command word, key=value pairs and bare flags on blanks and tabs', () => {
    expect(tokens('inject-error block=42 count=8\tnotify  saturate')).toEqual([
      bare('inject-error'), pair('block', '42'), pair('count', '8'), bare('notify'), bare('saturate'),
    ]);
  });

  it('returns no tokens for empty, blank and comment-only lines', () => {
    expect(tokens('')).toEqual([]);
    expect(tokens('   \t ')).toEqual([]);
    expect(tokens('# just a comment')).toEqual([]);
    expect(tokens('   # indented comment')).toEqual([]);
  });

  it('ends the line at # outside a string, even inside a token', () => {
    expect(tokens('read sector=8 bytes=4k # trailing')).toEqual([bare('read'), pair('sector', '8'), pair('bytes', '4k')]);
    expect(tokens('read bytes=4k#x')).toEqual([bare('read'), pair('bytes', '4k')]);
    expect(tokens('scrub short#comment')).toEqual([bare('scrub'), bare('short')]);
  });

  it('keeps values unconverted: hex, units and = inside a value are the table\'s business', () => {
    expect(tokens('poison offset=0x12345 len=64B x=a=b')).toEqual([bare('poison'), pair('offset', '0x12345'), pair('len', '64B'), pair('x', 'a=b')]);
  });

  it('reads "..." strings with blanks and # inside, and marks them quoted', () => {
    expect(tokens('badblocks-store text="100 8 # not a comment"')).toEqual([bare('badblocks-store'), pair('text', '100 8 # not a comment', true)]);
    expect(tokens('x text=""')).toEqual([bare('x'), pair('text', '', true)]);
    expect(tokens('x text="a" # c')).toEqual([bare('x'), pair('text', 'a', true)]);
  });

  it('decodes the escapes \\n, \\\\ and \\"', () => {
    expect(tokens(String.raw`badblocks-store text="100 8\n"`)[1]).toEqual(pair('text', '100 8\n', true));
    expect(tokens(String.raw`x text="a\\b"`)[1]).toEqual(pair('text', 'a\\b', true));
    expect(tokens(String.raw`x text="say \"hi\""`)[1]).toEqual(pair('text', 'say "hi"', true));
    expect(tokens(String.raw`x text="\\n"`)[1]).toEqual(pair('text', '\\n', true));
  });

  it('refuses other escapes and a backslash at the end of the line', () => {
    expect(error(String.raw`badblocks-store text="a\tb"`)).toBe(String.raw`line 7: badblocks-store: text: unknown escape \t in a string (known: \n \\ \")`);
    expect(error('x text="abc\\')).toMatch(/unknown escape \\ at the end of the line/);
  });

  it('refuses an unclosed string', () => {
    expect(error('badblocks-store text="100 8')).toBe('line 7: badblocks-store: text: the string is not closed: a " is missing at the end of the line');
  });

  it('refuses text glued to a closing quote, a quote inside a value, and a string without a key', () => {
    expect(error('x text="a"b')).toMatch(/^line 7: x: text: the closing quote must end the value/);
    expect(error('x text=a"b"')).toMatch(/^line 7: x: text: a quote inside a value; quote the whole value, as in text="\.\.\."/);
    expect(error('x "text"')).toMatch(/^line 7: x: a string must be the value of a key/);
    expect(error('x te"xt"')).toMatch(/^line 7: x: a quote may only start a value/);
  });

  it('refuses an empty key and an empty value, pointing at blanks around =', () => {
    expect(error('read sector = 8')).toMatch(/^line 7: read: "=" needs a key before it \(write key=value without blanks\)/);
    expect(error('read sector= 8')).toBe('line 7: read: sector= needs a value after "=" (write key=value without blanks)');
    expect(error('read =8')).toMatch(/"=" needs a key before it/);
  });

  it('names no command when the first token itself is wrong', () => {
    expect(error('"read"')).toMatch(/^line 7: a string must be the value of a key/);
  });
});
