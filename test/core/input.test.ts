/**
 * The reader of users' input files (src/core/input.ts): size limit before reading, empty,
 * nested too deep and truncated JSON said as such, one line each.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, jsonDepth, limitText, parseJsonInput, readInputFile } from '../../src/core/input.js';

const dir = mkdtempSync(join(tmpdir(), 'pb-input-'));
const file = (name: string, text: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('readInputFile', () => {
  it('returns the text of a file within the limit', () => {
    expect(readInputFile(file('ok.txt', 'hello'), 'thing', 5)).toBe('hello');
  });

  it('refuses a file over the limit, naming its size and the limit', () => {
    const p = file('big.txt', Buffer.alloc(2 * 1024 * 1024 + 1));
    expect(() => readInputFile(p, 'job file', 2 * 1024 * 1024)).toThrow(new InputError(`${p} is 2097153 bytes, more than the 2 MiB a job file may hold`));
  });

  it('names a directory, a missing file and the article of the kind', () => {
    mkdirSync(join(dir, 'd'));
    expect(() => readInputFile(join(dir, 'd'), 'error map', 10)).toThrow(`${join(dir, 'd')} is a directory, not an error map`);
    expect(() => readInputFile(join(dir, 'none'), 'job file', 10)).toThrow(`cannot read ${join(dir, 'none')}: ENOENT (no such file)`);
  });

  it('limitText: whole MiB, else bytes', () => {
    expect(limitText(16 * 1024 * 1024)).toBe('16 MiB');
    expect(limitText(1000)).toBe('1000 bytes');
  });
});

describe('parseJsonInput', () => {
  const parse = (text: string): unknown => parseJsonInput(text, 'f.json', 'job file', 3, '{"jobs": []}');

  it('parses JSON within the depth', () => {
    expect(parse('{"a": [{"b": 1}]}')).toEqual({ a: [{ b: 1 }] });
  });

  it('refuses empty and blank text', () => {
    for (const t of ['', '  \n\t']) expect(() => parse(t)).toThrow('f.json is empty; a job file is JSON such as {"jobs": []}');
  });

  it('refuses nesting deeper than the limit before parsing', () => {
    expect(() => parse('[[[[1]]]]')).toThrow('f.json: JSON nested more than 3 levels deep; a job file needs at most 3');
  });

  it('says "truncated?" only when the text ends inside a string or bracket', () => {
    expect(() => parse('{"a": [1, ')).toThrow(/^f\.json is not JSON \(truncated\?\): /);
    expect(() => parse('{"a": "b')).toThrow(/^f\.json is not JSON \(truncated\?\): /);
    expect(() => parse('{"a": ]')).toThrow(/^f\.json is not JSON: /);
  });

  it('keeps the message on one line when the parser quotes a multi-line text', () => {
    let message = '';
    try {
      parse('garbage\nmore\n');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^f\.json is not JSON: /);
    expect(message).not.toContain('\n');
  });
});

describe('jsonDepth', () => {
  it('counts brackets outside strings and stops past the limit', () => {
    expect(jsonDepth('{"a": "[[[[", "b": [1]}', 10)).toEqual({ max: 2, open: false });
    expect(jsonDepth('[[[[[[', 2)).toEqual({ max: 3, open: true });
    expect(jsonDepth('{"a": "\\"', 10)).toEqual({ max: 1, open: true });
  });
});
