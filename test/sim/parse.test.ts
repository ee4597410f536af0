/**
 * parseScript: lines become raw commands with their line numbers; blank and comment lines
 * keep the numbering; CRLF and a BOM are accepted; a line must start with a command word;
 * every bad line is reported, not just the first.
 */
import { describe, it, expect } from 'vitest';
import { parseScript } from '../../src/sim/parse.js';

describe('parseScript', () => {
  it('numbers commands by their line in the file, skipping blank and comment lines', () => {
    const p = parseScript('# header\n\ndevice size=64MiB\n   \nread sector=0 bytes=512 # c\n');
    expect(p.errors).toEqual([]);
    expect(p.commands.map((c) => [c.line, c.word])).toEqual([[3, 'device'], [5, 'read']]);
    expect(p.commands[1]!.args).toEqual([
      { key: 'sector', value: '0', quoted: false },
      { key: 'bytes', value: '512', quoted: false },
    ]);
  });

  it('accepts CRLF line ends, a missing final newline and a byte-order mark', () => {
    const p = parseScript('\uFEFFdevice size=64MiB\r\nscrub short\r\nbadblocks');
    expect(p.errors).toEqual([]);
    expect(p.commands.map((c) => [c.line, c.word, c.args.length])).toEqual([[1, 'device', 1], [2, 'scrub', 1], [3, 'badblocks', 0]]);
  });

  it('keeps a string value with a newline escape intact', () => {
    const p = parseScript('badblocks-store text="100 8\\n"\n');
    expect(p.commands[0]!.args[0]).toEqual({ key: 'text', value: '100 8\n', quoted: true });
  });

  it('refuses a line that starts with key=value', () => {
    const p = parseScript('device size=64MiB\nsector=8 bytes=512\n');
    expect(p.errors.map(String)).toEqual(['line 2: a line starts with a command word, got sector=8']);
    expect(p.commands.map((c) => c.line)).toEqual([1]);
  });

  it('reports every line with a syntax error, each once', () => {
    const p = parseScript('a x="\nb\nc y=\nd z="ok"\n');
    expect(p.errors.map((e) => e.line)).toEqual([1, 3]);
    expect(p.commands.map((c) => c.word)).toEqual(['b', 'd']);
  });

  it('returns nothing for an empty script', () => {
    expect(parseScript('')).toEqual({ commands: [], errors: [] });
    expect(parseScript('\n\n# only comments\n')).toEqual({ commands: [], errors: [] });
  });
});
