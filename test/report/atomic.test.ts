/**
 * src/report/atomic.ts: directories made one component at a time (no hang where Node 20's
 * recursive mkdir loops), and an atomic write that fails leaves no trace.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDirs, setAtomicFs, writeFileAtomic } from '../../src/report/atomic.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'pb-atomic-'));
const code = (fn: () => void): string | undefined => {
  try {
    fn();
  } catch (err) {
    return (err as NodeJS.ErrnoException).code;
  }
  return undefined;
};

describe('makeDirs', () => {
  it('creates missing parents and accepts an existing directory', () => {
    const d = join(tmp(), 'a', 'b', 'c');
    makeDirs(d);
    expect(statSync(d).isDirectory()).toBe(true);
    expect(() => makeDirs(d)).not.toThrow();
  });

  it('fails, not loops, where mkdir answers ENOENT under an existing parent (/proc)', () => {
    expect(code(() => makeDirs('/proc/poisonbench-x/y'))).toBe('ENOENT');
  });

  it('a file in the way: EEXIST for the directory itself, ENOTDIR for a parent', () => {
    const d = tmp();
    writeFileSync(join(d, 'f'), '');
    expect(code(() => makeDirs(join(d, 'f')))).toBe('EEXIST');
    expect(code(() => makeDirs(join(d, 'f', 'x')))).toBe('ENOTDIR');
  });
});

describe('writeFileAtomic', () => {
  afterEach(() => setAtomicFs(undefined));

  it('writes the whole text and leaves no temporary file', () => {
    const d = tmp();
    writeFileAtomic(join(d, 'sub', 'r.json'), '{}\n');
    expect(readFileSync(join(d, 'sub', 'r.json'), 'utf8')).toBe('{}\n');
    expect(readdirSync(join(d, 'sub'))).toEqual(['r.json']);
  });

  it('a write that fails half-way (ENOSPC) removes its temporary file; the target is untouched', () => {
    const d = tmp();
    setAtomicFs({
      writeFile: (path, text) => {
        writeFileSync(path, text.slice(0, 3));
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
    });
    expect(code(() => writeFileAtomic(join(d, 'r.json'), '{"a": 1}\n'))).toBe('ENOSPC');
    expect(existsSync(join(d, 'r.json'))).toBe(false);
    expect(readdirSync(d)).toEqual([]);
  });
});
