/**
 * Real error maps and sparse devices in the scenario language (issue 7): the `error-map`
 * command (file read and checked at validation), the `device ... sparse` keys, ranges that
 * must be backed at their line, what a sparse script refuses — and `poisonbench errmap
 * check` (src/cli-errmap.ts). Every refusal names the line, the value and what is allowed;
 * a malformed script runs nothing (exit 2).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateScript } from '../../src/sim/validate.js';
import { simMain } from '../../src/sim/main.js';
import { createSystemExecutor } from '../../src/sim/system-executor.js';
import { errmapMain } from '../../src/cli-errmap.js';

let dir = '';
const path = (name: string): string => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pb-errmap-'));
  writeFileSync(path('bb.txt'), '42 8\n100 1\n');
  writeFileSync(path('bad.txt'), '42 8\n100 x\n');
  writeFileSync(path('far.txt'), `${2 ** 31} 8\n`);
  const ns = (dev: string, blockdev: string, size: number, bbs: [number, number][]): unknown => ({
    dev, mode: 'raw', size, blockdev, badblock_count: bbs.reduce((a, [, n]) => a + n, 0), badblocks: bbs.map(([offset, length]) => ({ offset, length })),
  });
  writeFileSync(path('two.json'), JSON.stringify([ns('namespace0.0', 'pmem0', 64 << 20, [[42, 8]]), ns('namespace1.0', 'pmem1', 64 << 20, [])]));
  writeFileSync(path('big.json'), JSON.stringify(ns('namespace0.0', 'pmem0', 2 ** 40, [[2 ** 30, 8], [2 ** 31 - 8, 8]])));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function errors(script: string): string[] {
  const v = validateScript(script);
  return v.ok ? [] : v.errors.map(String);
}

describe('device ... sparse', () => {
  it('sparse keys need the flag; a sparse device takes real sizes; a dense one that does not fit says to use sparse', () => {
    expect(errors('device size=1TiB mode=raw backing=8MiB margin=1MiB\n')).toEqual([
      'line 1: device: backing=, margin= are for sparse devices; add the sparse flag or drop them',
    ]);
    expect(errors('device size=1TiB mode=raw\n')[0]).toMatch(/^line 1: device: size=1099511627776 bytes \(1TiB\): the devices would need .* a larger device can be sparse \(README "Limits"\)$/);
    expect(errors('device size=4TiB mode=fsdax sparse backing=16MiB working-set=4MiB windows=1TiB:1MiB,2TiB:4k\n')).toEqual([]);
    expect(errors('device size=1TiB sparse backing=3MiB\n')).toEqual(['line 1: device: backing must be a multiple of 2097152 bytes (2MiB), got "3MiB" = 3145728 bytes']);
    expect(errors('device size=1TiB mode=raw sparse working-set=1GiB\n')[0]).toMatch(/^line 1: device: backing 67108864 bytes is too small: .* give backing of at least 1073741824$/);
    expect(errors('device size=1TiB sparse windows=1TiB\n')[0]).toMatch(/^line 1: device: windows: "1TiB" must be OFFSET:LEN; write OFFSET:LEN pairs/);
    expect(errors('device size=1TiB sparse badblocks=bitmap\n')[0]).toMatch(/^line 1: device: badblocks "bitmap" covers every sector of the region/);
  });

  it('a sparse script has no filesystem, processes or dm', () => {
    expect(errors('device size=1TiB sparse\nfile name=f pgoff=0 pages=1\nprocess name=p\n')).toEqual([
      'line 2: file: pmem0 is a sparse device (line 1): a script with one has no filesystem, processes or dm (their per-page tables would cover the whole logical size; README "Sparse media")',
      'line 3: process: pmem0 is a sparse device (line 1): a script with one has no filesystem, processes or dm (their per-page tables would cover the whole logical size; README "Sparse media")',
    ]);
    expect(errors('process name=p\ndevice size=1TiB sparse\n')).toEqual([
      'line 2: device: a script with a sparse device has no filesystem, processes or dm (their per-page tables would cover the whole logical size); process p (line 1) comes before this line',
    ]);
  });

  it('a range a command touches must be backed at its line (working set, windows=, error maps so far)', () => {
    expect(errors('device size=1TiB mode=raw sparse\nread sector=0 bytes=2MiB\nread sector=4096 bytes=512\n')).toEqual([
      'line 3: read: pmem0 is sparse and data bytes [2097152, 2097664) are not inside one backed window at this line; backed (from the data start): [0 bytes, 2097152 bytes (2MiB)); widen working-set= or windows= on its device line (line 1), or seed an error map around them first',
    ]);
    const far = `device size=4TiB mode=raw sparse\nread sector=${2 ** 31} bytes=4k\nerror-map file=${path('far.txt')}\nread sector=${2 ** 31} bytes=4k\n`;
    expect(errors(far)).toHaveLength(1);
    expect(errors(far)[0]).toMatch(/^line 2: read: pmem0 is sparse and data bytes \[1099511627776, 1099511631872\) are not inside one backed window/);
  });
});

describe('error-map', () => {
  it('reads and checks the file at validation: a sysfs file gets the device\'s name and size', () => {
    const v = validateScript(`device size=64MiB mode=raw\nerror-map file=${path('bb.txt')}\n`);
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.script.commands[1]!.args).toMatchObject({ map: { format: 'sysfs', namespaces: [{ name: 'pmem0', sizeBytes: 64 << 20, badblocks: [{ sector: 42, sectors: 8 }, { sector: 100, sectors: 1 }] }] } });
  });

  it('refuses an unreadable or malformed file, a mismatch with the device, an ambiguous or unknown namespace, too little backing', () => {
    const e = (line: string, device = 'device size=64MiB mode=raw'): string => errors(`${device}\n${line}\n`)[0] ?? '';
    expect(e(`error-map file=${path('nope.txt')}`)).toBe(`line 2: error-map: file=${path('nope.txt')}: cannot read it (ENOENT (no such file)); paths are relative to the working directory`);
    expect(e(`error-map file=${path('bad.txt')}`)).toBe(`line 2: error-map: ${path('bad.txt')}:2: "100 x" is not a badblocks line: badblocks text must be "<sector> <length>" with an optional newline, got "100 x\\n"; each line is "<sector> <count>" in 512-byte sectors from the data start`);
    expect(e(`error-map file=${path('far.txt')}`)).toBe(`line 2: error-map: ${path('far.txt')}:1: sector 2147483648 is past the end: allowed [0, 131071], the 512-byte sectors of the namespace's 67108864 data bytes`);
    expect(e(`error-map file=${path('two.json')}`, 'device name=pmem5 size=64MiB mode=raw')).toMatch(/^line 2: error-map: .*two\.json lists 2 namespaces \(pmem0, pmem1\); say which seeds pmem5 with namespace=NAME$/);
    expect(e(`error-map file=${path('two.json')} namespace=pmem2`)).toMatch(/^line 2: error-map: namespace=pmem2: .*two\.json has no such namespace; it lists pmem0, pmem1 \(did you mean "pmem0" or "pmem1"\?\)$/);
    expect(e(`error-map file=${path('two.json')}`, 'device size=32MiB mode=raw')).toMatch(/^line 2: error-map: .*two\.json: pmem0: the map says 67108864 data bytes, the namespace holds 33554432/);
    expect(e(`error-map file=${path('two.json')}`, 'device size=64MiB mode=fsdax')).toMatch(/the map says 67108864 data bytes, the namespace holds 65011712/);
    expect(e(`error-map file=${path('bb.txt')} format=ndctl`)).toMatch(/^line 2: error-map: .*bb\.txt: not valid JSON/);
    expect(e(`error-map file=${path('big.json')}`, 'device size=1TiB mode=raw sparse backing=4MiB'))
      .toMatch(/^line 2: error-map: .*big\.json: the windows around its 2 ranges bring pmem0's backing to 6291456 bytes \(6MiB\) \(whole 2 MiB chunks\); the device line gives backing=4194304 bytes \(4MiB\): raise it to at least 6291456 bytes/);
    expect(e(`error-map file=${path('bb.txt')} formt=sysfs`)).toMatch(/^line 2: error-map: unknown key "formt" \(did you mean "format"\?\)/);
  });

  it('a malformed map makes the script malformed: exit 2, the line on stderr, nothing runs', async () => {
    const out: string[] = [];
    const err: string[] = [];
    let created = false;
    const script = `device size=64MiB mode=raw\nerror-map file=${path('bad.txt')}\n`;
    const code = await simMain(['-'], {
      createExecutor: async (p) => { created = true; return createSystemExecutor(p); },
      io: { readScript: () => script, stdout: (t) => out.push(t), stderr: (t) => err.push(t) },
    });
    expect({ code, out, created }).toEqual({ code: 2, out: [], created: false });
    expect(err.join('')).toMatch(/^line 2: error-map: .*bad\.txt:2: "100 x" is not a badblocks line/);
  });

  it('runs: seeds the device as after boot; ranges past 4 GiB on a sparse device (exit 0)', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const script = `device size=1TiB mode=raw sparse\nerror-map file=${path('big.json')}\nbadblocks\nread sector=${2 ** 31 - 8} bytes=4k\nwrite sector=${2 ** 31 - 8} bytes=4k pattern=0x11\nbadblocks\n`;
    const code = await simMain(['-'], { createExecutor: createSystemExecutor, io: { readScript: () => script, stdout: (t) => out.push(t), stderr: (t) => err.push(t) } });
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      { line: 1, cmd: 'device', ret: 0 },
      { line: 2, cmd: 'error-map', ret: 0, ranges: 2, sectors: 16, windows: 2 },
      { line: 3, cmd: 'badblocks', ret: `${2 ** 30} 8\n${2 ** 31 - 8} 8\n` },
      { line: 4, cmd: 'read', ret: 'EIO', delivered: 0, cause: 'badblocks' },
      { line: 5, cmd: 'write', ret: 4096, cleared: 4096 },
      { line: 6, cmd: 'badblocks', ret: `${2 ** 30} 8\n` },
    ]);
  });
});

describe('poisonbench errmap check', () => {
  function run(argv: string[], files: Record<string, string> = {}): { code: number; out: string; err: string } {
    let out = '';
    let err = '';
    const code = errmapMain(argv, {
      stdout: (t) => { out += t; }, stderr: (t) => { err += t; },
      readFile: (p) => {
        if (p in files) return files[p]!;
        throw Object.assign(new Error('no'), { code: 'ENOENT' });
      },
    });
    return { code, out, err };
  }

  it('summarizes a well-formed file (exit 0)', () => {
    expect(run(['check', 'b.txt', '--dev', 'pmem1', '--size', '1MiB'], { 'b.txt': '42 8\n100 1\n' })).toEqual({
      code: 0, out: 'b.txt: sysfs, 1 namespace\n  pmem1: 1048576 data bytes, 2 ranges, 9 bad sectors, sectors 42..100\n', err: '',
    });
  });

  it('exit 2 with one line naming the file, the line or path, the value and what is allowed', () => {
    expect(run(['check', 'b.txt'], { 'b.txt': '42 8\n100 0\n' })).toEqual({ code: 2, out: '', err: 'poisonbench errmap: b.txt:2: "100 0" is not a badblocks line: length must be > 0, got 0; each line is "<sector> <count>" in 512-byte sectors from the data start\n' });
    expect(run(['check', 'm.json'], { 'm.json': '[{"dev": "namespace0.0", "size": 4096, "badblocks": [{"offset": 42, "lenght": 8}]}]' }).err)
      .toBe('poisonbench errmap: m.json: $[0].badblocks[0].lenght: unknown key in a badblocks record (did you mean "length"?); ndctl prints offset, length and dimms\n');
    expect(run(['check', 'x'])).toMatchObject({ code: 2, err: 'poisonbench errmap: cannot read x: ENOENT\n' });
    expect(run(['check'])).toMatchObject({ code: 2, err: 'poisonbench errmap: errmap check needs a FILE (sysfs badblocks text or ndctl JSON, or - for standard input)\n' });
    expect(run(['check', 'a', 'b'])).toMatchObject({ code: 2, err: 'poisonbench errmap: errmap check takes one FILE, got a second: "b"\n' });
    expect(run(['check', 'a', '--format', 'csv'])).toMatchObject({ code: 2, err: 'poisonbench errmap: --format must be one of sysfs, ndctl, got "csv"\n' });
    expect(run(['check', 'a', '--size', 'big'])).toMatchObject({ code: 2 });
    expect(run(['check', 'a', '--bogus'])).toMatchObject({ code: 2, err: 'poisonbench errmap: unknown option "--bogus" for errmap check (see --help)\n' });
    expect(run(['lint'])).toMatchObject({ code: 2, err: 'poisonbench errmap: unknown errmap command "lint" (known: check)\n' });
    expect(run(['check', 'm.json', '--size', '1MiB'], { 'm.json': '{}' })).toMatchObject({ code: 2, err: 'poisonbench errmap: m.json: sizeBytes is for sysfs text; ndctl JSON says each namespace\'s size itself\n' });
    expect(run(['--help'])).toMatchObject({ code: 0 });
  });
});
