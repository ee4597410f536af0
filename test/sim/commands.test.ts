/**
 * The command table: its rows are consistent (every key an extent or group names exists,
 * defaults lie in range, every word has an executor method), and for every command a
 * script line with a missing key, a wrong type, an out-of-range value and a misspelt key
 * is refused with a message naming the key, the value and what is allowed.
 */
import { describe, it, expect, expectTypeOf } from 'vitest';
import { COMMANDS, COMMAND_WORDS, commandSpec, type ArgsOf } from '../../src/sim/commands.js';
import { DISPATCH } from '../../src/sim/executor.js';
import { parseValue } from '../../src/sim/values.js';
import { validateScript } from '../../src/sim/validate.js';
import type { CommandSpec } from '../../src/sim/spec.js';

const ROWS = COMMANDS as readonly CommandSpec[];

describe('table consistency', () => {
  it('has unique kebab-case words and keys', () => {
    expect(new Set(COMMAND_WORDS).size).toBe(COMMAND_WORDS.length);
    for (const row of ROWS) {
      expect(row.word).toMatch(/^[a-z][a-z0-9-]*$/);
      const names = row.keys.map((k) => k.name);
      expect(new Set(names).size, row.word).toBe(names.length);
      for (const n of names) expect(n, row.word).toMatch(/^[a-z][a-z0-9_-]*$/);
      expect(row.summary.length, row.word).toBeGreaterThan(10);
      expect(row.returns.length, row.word).toBeGreaterThan(0);
      for (const k of row.keys) expect(k.help.length, `${row.word} ${k.name}`).toBeGreaterThan(2);
    }
  });

  it('includes every command of issues 4 and 5', () => {
    const issue4 = ['device', 'inject-error', 'uninject', 'inject-status', 'poison', 'scrub', 'advance', 'badblocks',
      'region-badblocks', 'badblocks-store', 'read', 'write', 'fsync', 'clear-poison', 'zero-page', 'dax-access',
      'recovery-write', 'file', 'pread', 'pwrite', 'punch-hole', 'power-fail', 'reconfigure'];
    const issue5 = ['fs', 'process', 'sysctl', 'mmap', 'load', 'store', 'madvise-hwpoison', 'madvise-soft-offline', 'signals',
      'memory-failure', 'unbind', 'dm', 'policy'];
    const issue7 = ['error-map'];
    expect([...COMMAND_WORDS].sort()).toEqual([...issue4, ...issue5, ...issue7].sort());
  });

  it('names only existing numeric keys in extents and existing keys in exclusive groups', () => {
    for (const row of ROWS) {
      for (const e of row.extents ?? []) {
        for (const [key] of [...e.start, ...(e.len ? [e.len] : [])]) {
          const k = row.keys.find((x) => x.name === key);
          expect(k, `${row.word}: extent key ${key}`).toBeDefined();
          expect(['int', 'size'], `${row.word}: extent key ${key}`).toContain(k!.type);
          expect('required' in k! && k.required || 'default' in k!, `${row.word}: extent key ${key} always has a value`).toBeTruthy();
        }
        if (e.within === 'file') expect(row.keys.some((k) => k.type === 'ref' && k.scope === 'file'), row.word).toBe(true);
      }
      for (const g of row.exclusive ?? []) for (const key of g) expect(row.keys.some((k) => k.name === key), `${row.word}: ${key}`).toBe(true);
    }
  });

  it('has defaults that its own parser accepts', () => {
    for (const row of ROWS) {
      for (const k of row.keys) {
        if (!('default' in k) || k.default === undefined) continue;
        const written = k.type === 'pattern' ? `0x${k.default.toString(16)}` : String(k.default);
        expect(parseValue(k, written), `${row.word} ${k.name}`).toEqual({ value: k.default });
      }
    }
  });

  it('has an executor method for every word, and nothing else', () => {
    expect(Object.keys(DISPATCH).sort()).toEqual([...COMMAND_WORDS].sort());
  });

  it('gives dev (default: the first device) to every device command', () => {
    // Not about one device: platform-wide, or addressing a process's mapping (file= or dev= without a default).
    const global = ['device', 'advance', 'power-fail', 'pread', 'pwrite', 'punch-hole', 'fs', 'process', 'sysctl', 'mmap', 'load',
      'store', 'madvise-hwpoison', 'madvise-soft-offline', 'signals', 'dm', 'policy'];
    for (const row of ROWS) {
      const dev = row.keys.find((k) => k.name === 'dev');
      if (global.includes(row.word)) continue;
      expect(dev, row.word).toMatchObject({ type: 'ref', scope: 'device', defaultFirst: true });
    }
  });

  it('derives the executor argument types from the rows', () => {
    expectTypeOf<ArgsOf<'read'>>().toEqualTypeOf<{ readonly dev: string; readonly sector: number; readonly bytes: number }>();
    expectTypeOf<ArgsOf<'dax-access'>['mode']>().toEqualTypeOf<'access' | 'recovery-write'>();
    expectTypeOf<ArgsOf<'fsync'>['file']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ArgsOf<'device'>['dataOffset']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ArgsOf<'device'>['eadr']>().toEqualTypeOf<boolean>();
    expectTypeOf<ArgsOf<'write'>['pattern']>().toEqualTypeOf<number>();
    expect(commandSpec('read')?.word).toBe('read');
    expect(commandSpec('nope')).toBeUndefined();
  });
});

/**
 * Line 1: a 64 MiB fsdax namespace (data: 62 MiB = 126976 sectors = 15872 pages, after the
 * 2 MiB ndctl reservation); line 2: a 4-page file. The bad line is line 3.
 */
const PRELUDE = 'device size=64MiB\nfile name=f pgoff=0 pages=4\n';

/** The mm commands need a process that mapped the file: two more prelude lines. */
const MM_WORDS = new Set(['mmap', 'load', 'store', 'madvise-hwpoison', 'madvise-soft-offline', 'signals']);
const MM_PRELUDE = PRELUDE + 'process name=A\nmmap process=A file=f\n';
const lineOf = (word: string): number => (MM_WORDS.has(word) ? 5 : 3);

function errorsOf(line: string, word = line.split(' ')[0]!): string[] {
  const v = validateScript((MM_WORDS.has(word) ? MM_PRELUDE : PRELUDE) + line + '\n');
  return v.ok ? [] : v.errors.map(String);
}

type Case = readonly [what: 'missing' | 'type' | 'range' | 'unknown', line: string, message: string];

/** Per command: each kind of mistake, with the message it must produce (exact). */
const MATRIX: Readonly<Record<string, readonly Case[]>> = {
  'device': [
    ['missing', 'device name=p2 mode=raw', 'device: missing size=SIZE: raw namespace (and region) size'],
    ['type', 'device name=p2 size=lots', 'device: size must be a whole number of bytes such as 4096, 0x1000, 4k or 2MiB (suffixes k/KiB, m/MiB, g/GiB, t/TiB, all binary), got "lots"'],
    ['range', 'device name=p2 size=1MiB', 'device: size must be in [2097152 (2MiB), 4398046511104 (4TiB)] bytes, got "1MiB" = 1048576 bytes'],
    ['range', 'device name=p2 size=64MiB mce-lsb=13', 'device: mce-lsb must be in [6, 12] log2 of a byte count, got 13'],
    ['unknown', 'device name=p2 size=64MiB mce-lbs=7', 'device: unknown key "mce-lbs" (did you mean "mce-lsb"?); device takes name, size, mode, data-offset, clear-unit, fw-clear-max, mce-lsb, kernel, badblocks, badblocks-max-entries, legacy-bus, eadr, no-recovery, sparse, backing, working-set, margin, windows'],
  ],
  'error-map': [
    ['missing', 'error-map format=sysfs', 'error-map: missing file=PATH: the file, relative to the working directory'],
    ['type', 'error-map file=test/fixtures/errmaps/small-badblocks.txt format=csv', 'error-map: format must be one of sysfs, ndctl, got "csv"'],
    ['range', 'error-map file=test/fixtures/errmaps/small-badblocks.txt dev=pmem7', 'error-map: unknown device "pmem7" in dev=pmem7 (did you mean "pmem0"?); declared: pmem0'],
    ['unknown', 'error-map fiel=x', 'error-map: unknown key "fiel" (did you mean "file"?); error-map takes dev, file, format, namespace'],
  ],
  'reconfigure': [
    ['missing', 'reconfigure', 'reconfigure: missing mode=raw|fsdax|devdax: the new mode'],
    ['type', 'reconfigure mode=dax', 'reconfigure: mode must be one of raw, fsdax, devdax, got "dax"'],
    ['range', 'reconfigure mode=raw data-offset=64MiB', 'reconfigure: data-offset must be an integer byte count in [0, 67104768] (the data must keep at least one page), got 67108864'],
    ['unknown', 'reconfigure mdoe=raw', 'reconfigure: unknown key "mdoe" (did you mean "mode"?); reconfigure takes dev, mode, data-offset'],
  ],
  'inject-error': [
    ['missing', 'inject-error block=1', 'inject-error: missing count=N: number of 512-byte blocks (ndctl --count)'],
    ['type', 'inject-error block=x count=1', 'inject-error: block must be a whole number of 512-byte blocks (decimal or 0x hex), got "x"'],
    ['range', 'inject-error block=126975 count=2', "inject-error: block=126975 + count=2 ends at byte 65012224, past the end of pmem0's data, which holds 126976 512-byte blocks = 65011712 bytes (62MiB)"],
    ['range', 'inject-error block=0 count=0', 'inject-error: count must be in [1, 8589934592] 512-byte blocks, got 0'],
    ['unknown', 'inject-error block=1 count=1 notfy', 'inject-error: unknown key "notfy" (did you mean "notify"?); inject-error takes dev, block, count, notify, saturate'],
  ],
  'uninject': [
    ['missing', 'uninject count=1', 'uninject: missing block=N: first 512-byte block, from the data start (ndctl --block)'],
    ['type', 'uninject block=1 count=1.5', 'uninject: count must be a whole number of 512-byte blocks (decimal or 0x hex), got "1.5"'],
    ['range', 'uninject block=126976 count=1', "uninject: block=126976 + count=1 ends at byte 65012224, past the end of pmem0's data, which holds 126976 512-byte blocks = 65011712 bytes (62MiB)"],
    ['unknown', 'uninject blok=1 count=1', 'uninject: unknown key "blok" (did you mean "block"?); uninject takes dev, block, count'],
  ],
  'inject-status': [
    // No required key to leave out.
    ['type', 'inject-status dev', 'inject-status: dev needs a value: dev=NAME'],
    ['range', 'inject-status dev=pmem7', 'inject-status: unknown device "pmem7" in dev=pmem7 (did you mean "pmem0"?); declared: pmem0'],
    ['unknown', 'inject-status devv=pmem0', 'inject-status: unknown key "devv" (did you mean "dev"?); inject-status takes dev'],
  ],
  'poison': [
    ['missing', 'poison offset=0', 'poison: missing len=SIZE: bytes'],
    ['type', 'poison offset=abc len=1', 'poison: offset must be a whole number of bytes such as 4096, 0x1000, 4k or 2MiB (suffixes k/KiB, m/MiB, g/GiB, t/TiB, all binary), got "abc"'],
    ['range', 'poison offset=62MiB len=1', "poison: offset=65011712 + len=1 ends at byte 65011713, past the end of pmem0's data, which holds 65011712 bytes (62MiB)"],
    ['unknown', 'poison offset=0 lenn=64', 'poison: unknown key "lenn" (did you mean "len"?); poison takes dev, offset, len'],
  ],
  'scrub': [
    ['type', 'scrub short=1', 'scrub: short is a flag: write it alone, without a value (got short="1")'],
    ['range', 'scrub dev=nvme0', 'scrub: unknown device "nvme0" in dev=nvme0; declared: pmem0'],
    ['unknown', 'scrub shrt', 'scrub: unknown key "shrt" (did you mean "short"?); scrub takes dev, short'],
  ],
  'badblocks': [
    ['type', 'badblocks dev', 'badblocks: dev needs a value: dev=NAME'],
    ['range', 'badblocks dev=pmem1', 'badblocks: unknown device "pmem1" in dev=pmem1 (did you mean "pmem0"?); declared: pmem0'],
    ['unknown', 'badblocks de=pmem0', 'badblocks: unknown key "de" (did you mean "dev"?); badblocks takes dev'],
  ],
  'region-badblocks': [
    ['type', 'region-badblocks dev', 'region-badblocks: dev needs a value: dev=NAME'],
    ['range', 'region-badblocks dev=region0', 'region-badblocks: unknown device "region0" in dev=region0; declared: pmem0'],
    ['unknown', 'region-badblocks dve=pmem0', 'region-badblocks: unknown key "dve" (did you mean "dev"?); region-badblocks takes dev'],
  ],
  'badblocks-store': [
    ['missing', 'badblocks-store', 'badblocks-store: missing text="S N\\n": what is written: "<sector> <count>" and an optional newline (one 4096-byte sysfs page at most)'],
    ['type', 'badblocks-store text', 'badblocks-store: text needs a value: text="S N\\n"'],
    ['range', `badblocks-store text="${'1'.repeat(4097)}"`, 'badblocks-store: text must be at most 4096 characters, got 4097'],
    ['unknown', 'badblocks-store txt="1 1"', 'badblocks-store: unknown key "txt" (did you mean "text"?); badblocks-store takes dev, text'],
  ],
  'read': [
    ['missing', 'read sector=0', 'read: missing bytes=SIZE: bytes to transfer'],
    ['type', 'read sector=1.5 bytes=512', 'read: sector must be a whole number of 512-byte sectors (decimal or 0x hex), got "1.5"'],
    ['range', 'read sector=126976 bytes=512', "read: sector=126976 + bytes=512 ends at byte 65012224, past the end of pmem0's data, which holds 126976 512-byte sectors = 65011712 bytes (62MiB)"],
    ['unknown', 'read sector=0 byts=512', 'read: unknown key "byts" (did you mean "bytes"?); read takes dev, sector, bytes'],
  ],
  'write': [
    ['missing', 'write bytes=512', 'write: missing sector=N: first 512-byte sector, from the data start'],
    ['type', 'write sector=0 bytes=four', 'write: bytes must be a whole number of bytes such as 4096, 0x1000, 4k or 2MiB (suffixes k/KiB, m/MiB, g/GiB, t/TiB, all binary), got "four"'],
    ['range', 'write sector=0 bytes=0', 'write: bytes must be in [1, 2147479552] bytes, got "0"'],
    ['range', 'write sector=0 bytes=512 pattern=0x100', 'write: pattern must be one byte, 0x00..0xff (or 0..255), got "0x100"'],
    ['unknown', 'write sector=0 bytes=512 patern=0x1', 'write: unknown key "patern" (did you mean "pattern"?); write takes dev, sector, bytes, pattern'],
  ],
  'fsync': [
    ['type', 'fsync file', 'fsync: file needs a value: file=NAME'],
    ['range', 'fsync file=g', 'fsync: unknown file "g" in file=g (did you mean "f"?); declared: f'],
    ['unknown', 'fsync fil=f', 'fsync: unknown key "fil" (did you mean "file"?); fsync takes dev, file'],
  ],
  'clear-poison': [
    ['missing', 'clear-poison offset=0', 'clear-poison: missing len=SIZE: bytes'],
    ['type', 'clear-poison offset=-1 len=1', 'clear-poison: offset must be a whole number of bytes such as 4096, 0x1000, 4k or 2MiB (suffixes k/KiB, m/MiB, g/GiB, t/TiB, all binary), got "-1"'],
    ['range', 'clear-poison offset=0 len=63MiB', "clear-poison: offset=0 + len=66060288 ends at byte 66060288, past the end of pmem0's data, which holds 65011712 bytes (62MiB)"],
    ['unknown', 'clear-poison ofset=0 len=1', 'clear-poison: unknown key "ofset" (did you mean "offset"?); clear-poison takes dev, offset, len'],
  ],
  'zero-page': [
    ['missing', 'zero-page', 'zero-page: missing pgoff=N: first 4096-byte page, from the data start'],
    ['type', 'zero-page pgoff=one', 'zero-page: pgoff must be a whole number of 4096-byte pages (decimal or 0x hex), got "one"'],
    ['range', 'zero-page pgoff=15872', "zero-page: pgoff=15872 + pages=1 ends at byte 65015808, past the end of pmem0's data, which holds 15872 4096-byte pages = 65011712 bytes (62MiB)"],
    ['unknown', 'zero-page pgof=1', 'zero-page: unknown key "pgof" (did you mean "pgoff"?); zero-page takes dev, pgoff, pages'],
  ],
  'dax-access': [
    ['missing', 'dax-access pgoff=0 pages=1', 'dax-access: missing mode=access|recovery-write: DAX_ACCESS or DAX_RECOVERY_WRITE'],
    ['type', 'dax-access pgoff=0 pages=1 mode=write', 'dax-access: mode must be one of access, recovery-write, got "write"'],
    ['range', 'dax-access pgoff=0 pages=4294967296 mode=access', 'dax-access: pages must be in [-2147483648, 2147483647] 4096-byte pages, got 4294967296'],
    ['range', 'dax-access pgoff=15872 pages=1 mode=access', "dax-access: pgoff=15872 is past the end of pmem0's data, which holds 15872 4096-byte pages = 65011712 bytes (62MiB)"],
    ['unknown', 'dax-access pgoff=0 pages=1 mode=access moed', 'dax-access: unknown key "moed" (did you mean "mode"?); dax-access takes dev, pgoff, pages, mode'],
  ],
  'recovery-write': [
    ['missing', 'recovery-write pgoff=0 bytes=4k', 'recovery-write: missing offset=SIZE: byte offset inside page pgoff'],
    ['type', 'recovery-write pgoff=0 offset=0 bytes=4k pattern=zz', 'recovery-write: pattern must be one byte, 0x00..0xff (or 0..255), got "zz"'],
    ['range', 'recovery-write pgoff=0 offset=4096 bytes=4k', 'recovery-write: offset must be in [0, 4095] bytes, got "4096"'],
    ['range', 'recovery-write pgoff=15871 offset=1 bytes=4k', "recovery-write: pgoff=15871 + offset=1 + bytes=4096 ends at byte 65011713, past the end of pmem0's data, which holds 15872 4096-byte pages = 65011712 bytes (62MiB)"],
    ['unknown', 'recovery-write pgoff=0 offset=0 bytes=4k pgof=1', 'recovery-write: unknown key "pgof" (did you mean "pgoff"?); recovery-write takes dev, pgoff, offset, bytes, pattern'],
  ],
  'file': [
    ['missing', 'file pgoff=8 pages=1', 'file: missing name=NAME: the name other lines use in file='],
    ['type', 'file name=g pgoff=8 pages=x', 'file: pages must be a whole number of 4096-byte pages (decimal or 0x hex), got "x"'],
    ['range', 'file name=g pgoff=15870 pages=4', "file: pgoff=15870 + pages=4 ends at byte 65019904, past the end of pmem0's data, which holds 15872 4096-byte pages = 65011712 bytes (62MiB)"],
    ['unknown', 'file name=g pgoff=8 pages=1 page=1', 'file: unknown key "page" (did you mean "pages"?); file takes dev, name, pgoff, pages'],
  ],
  'pread': [
    ['missing', 'pread file=f offset=0', 'pread: missing bytes=SIZE: bytes to transfer'],
    ['type', 'pread file=f offset=1x bytes=1', 'pread: offset must be a whole number of bytes such as 4096, 0x1000, 4k or 2MiB (suffixes k/KiB, m/MiB, g/GiB, t/TiB, all binary), got "1x"'],
    ['range', 'pread file=f offset=16k bytes=1', 'pread: offset=16384 + bytes=1 ends at byte 16385, past the end of file "f", which holds 16384 bytes (16KiB) (files do not grow)'],
    ['unknown', 'pread file=f offset=0 bytes=1 ofset=0', 'pread: unknown key "ofset" (did you mean "offset"?); pread takes file, offset, bytes'],
  ],
  'pwrite': [
    ['missing', 'pwrite offset=0 bytes=1', 'pwrite: missing file=NAME: a file declared by a file line'],
    ['type', 'pwrite file=f offset=0 bytes=1 pattern=0xg', 'pwrite: pattern must be one byte, 0x00..0xff (or 0..255), got "0xg"'],
    ['range', 'pwrite file=f offset=8k bytes=12k', 'pwrite: offset=8192 + bytes=12288 ends at byte 20480, past the end of file "f", which holds 16384 bytes (16KiB) (files do not grow)'],
    ['unknown', 'pwrite file=f offset=0 bytes=1 byte=1', 'pwrite: unknown key "byte" (did you mean "bytes"?); pwrite takes file, offset, bytes, pattern'],
  ],
  'punch-hole': [
    ['missing', 'punch-hole file=f bytes=4k', 'punch-hole: missing offset=SIZE: first byte, from the file start'],
    ['type', 'punch-hole file=f offset=0 bytes=lots', 'punch-hole: bytes must be a whole number of bytes such as 4096, 0x1000, 4k or 2MiB (suffixes k/KiB, m/MiB, g/GiB, t/TiB, all binary), got "lots"'],
    ['range', 'punch-hole file=f offset=16k bytes=4k', 'punch-hole: offset=16384 + bytes=4096 ends at byte 20480, past the end of file "f", which holds 16384 bytes (16KiB) (files do not grow)'],
    ['unknown', 'punch-hole flie=f offset=0 bytes=4k', 'punch-hole: unknown key "flie" (did you mean "file"?); punch-hole takes file, offset, bytes'],
  ],
  'advance': [
    ['missing', 'advance', 'advance: missing ms=N: milliseconds'],
    ['type', 'advance ms=1s', 'advance: ms must be a whole number of milliseconds (decimal or 0x hex), got "1s"'],
    ['range', 'advance ms=-1', 'advance: ms must be in [0, 1000000000000] milliseconds, got -1'],
    ['unknown', 'advance sm=1', 'advance: unknown key "sm" (did you mean "ms"?); advance takes ms'],
  ],
  'power-fail': [
    // No keys at all: nothing to leave out, mistype or put out of range.
    ['unknown', 'power-fail now', 'power-fail: takes no arguments, got "now"'],
  ],
  // Issue 5 (src/mm, src/xfs, src/dm). mmap, load, store, madvise-* and signals run after MM_PRELUDE.
  'fs': [
    ['missing', 'fs rmapbt=1', 'fs: missing type=xfs|ext4: xfs registers a dax holder (notify_failure, 6.0+); ext4 does not (the generic page->mapping path)'],
    ['type', 'fs type=btrfs', 'fs: type must be one of xfs, ext4, got "btrfs"'],
    ['range', 'fs type=xfs meta-pages=-1', 'fs: meta-pages must be in [0, 1073741823] 4096-byte pages, got -1'],
    ['unknown', 'fs tpye=xfs', 'fs: unknown key "tpye" (did you mean "type"?); fs takes type, rmapbt, meta-pages'],
  ],
  'process': [
    ['missing', 'process early-kill', 'process: missing name=NAME: the name other lines use in process='],
    ['type', 'process name=-a', 'process: name must be a process name of up to 48 of A-Z a-z 0-9 _ . - (not starting with . or -), got "-a"'],
    ['range', 'process name=A early-kill=1', 'process: early-kill is a flag: write it alone, without a value (got early-kill="1")'],
    ['unknown', 'process name=A early', 'process: unknown key "early" (did you mean "early-kill"?); process takes name, early-kill'],
  ],
  'sysctl': [
    ['missing', 'sysctl', 'sysctl: missing memory_failure_early_kill=0|1: 1: every mapper is told (AO); 0: only the consumer (AR)'],
    ['type', 'sysctl memory_failure_early_kill=yes', 'sysctl: memory_failure_early_kill must be one of 0, 1, got "yes"'],
    ['range', 'sysctl memory_failure_early_kill=2', 'sysctl: memory_failure_early_kill must be one of 0, 1, got "2" (did you mean "0" or "1"?)'],
    ['unknown', 'sysctl early_kill=1', 'sysctl: unknown key "early_kill"; sysctl takes memory_failure_early_kill'],
  ],
  'mmap': [
    ['missing', 'mmap file=f', 'mmap: missing process=NAME: a process declared by a process line'],
    ['type', 'mmap process=1x file=f', 'mmap: unknown process "1x" in process=1x; declared: A'],
    ['range', 'mmap process=A file=f pmd pud', 'mmap: give pmd or pud, not both (got pmd and pud)'],
    ['unknown', 'mmap process=A file=f huge', 'mmap: unknown key "huge"; mmap takes process, file, dev, pmd, pud'],
  ],
  'load': [
    ['missing', 'load process=A file=f', 'load: missing offset=SIZE: byte in the mapping (= in the file or device)'],
    ['type', 'load process=A file=f offset=x', 'load: offset must be a whole number of bytes such as 4096, 0x1000, 4k or 2MiB (suffixes k/KiB, m/MiB, g/GiB, t/TiB, all binary), got "x"'],
    ['range', 'load process=A file=f offset=16k', 'load: offset=16384 + 8 bytes ends past the end of file "f", which holds 16384 bytes (16KiB)'],
    ['unknown', 'load process=A file=f offset=0 bytes=8', 'load: unknown key "bytes"; load takes process, file, dev, offset'],
  ],
  'store': [
    ['missing', 'store process=A file=f', 'store: missing offset=SIZE: byte in the mapping (= in the file or device)'],
    ['type', 'store process=A file=f offset=0 pattern=0x100', 'store: pattern must be one byte, 0x00..0xff (or 0..255), got "0x100"'],
    ['range', 'store process=A file=f offset=3', 'store: offset=3 must be a multiple of 8: one aligned 8-byte access'],
    ['unknown', 'store process=A file=f offset=0 value=1', 'store: unknown key "value"; store takes process, file, dev, offset, pattern'],
  ],
  'madvise-hwpoison': [
    ['missing', 'madvise-hwpoison process=A file=f', 'madvise-hwpoison: missing offset=SIZE: byte in the mapping (= in the file or device)'],
    ['type', 'madvise-hwpoison process=A file=f offset=zz', 'madvise-hwpoison: offset must be a whole number of bytes such as 4096, 0x1000, 4k or 2MiB (suffixes k/KiB, m/MiB, g/GiB, t/TiB, all binary), got "zz"'],
    ['range', 'madvise-hwpoison process=A file=f offset=16k', 'madvise-hwpoison: offset=16384 + 1 bytes ends past the end of file "f", which holds 16384 bytes (16KiB)'],
    ['unknown', 'madvise-hwpoison process=A file=f offset=0 roots', 'madvise-hwpoison: unknown key "roots" (did you mean "root"?); madvise-hwpoison takes process, file, dev, offset, root'],
  ],
  'madvise-soft-offline': [
    ['missing', 'madvise-soft-offline process=A file=f', 'madvise-soft-offline: missing offset=SIZE: byte in the mapping (= in the file or device)'],
    ['type', 'madvise-soft-offline process=A file=f offset=zz', 'madvise-soft-offline: offset must be a whole number of bytes such as 4096, 0x1000, 4k or 2MiB (suffixes k/KiB, m/MiB, g/GiB, t/TiB, all binary), got "zz"'],
    ['range', 'madvise-soft-offline process=A file=f offset=16k', 'madvise-soft-offline: offset=16384 + 1 bytes ends past the end of file "f", which holds 16384 bytes (16KiB)'],
    ['unknown', 'madvise-soft-offline process=A file=f offset=0 rot', 'madvise-soft-offline: unknown key "rot" (did you mean "root"?); madvise-soft-offline takes process, file, dev, offset, root'],
  ],
  'signals': [
    ['missing', 'signals', 'signals: missing process=NAME: a process declared by a process line'],
    ['type', 'signals process=-x', 'signals: unknown process "-x" in process=-x; declared: A'],
    ['range', 'signals process=Z', 'signals: unknown process "Z" in process=Z (did you mean "A"?); declared: A'],
    ['unknown', 'signals proc=A', 'signals: unknown key "proc" (did you mean "process"?); signals takes process'],
  ],
  'memory-failure': [
    ['missing', 'memory-failure len=4k', 'memory-failure: missing pfn-offset=SIZE: first byte of the failed range, from the data start (whole pages are failed)'],
    ['type', 'memory-failure pfn-offset=0 len=4q', 'memory-failure: len must be a whole number of bytes such as 4096, 0x1000, 4k or 2MiB (suffixes k/KiB, m/MiB, g/GiB, t/TiB, all binary), got "4q"'],
    ['range', 'memory-failure pfn-offset=62MiB len=4k', 'memory-failure: pfn-offset=65011712 + len=4096 ends at byte 65015808, past the end of pmem0\'s data, which holds 65011712 bytes (62MiB)'],
    ['unknown', 'memory-failure pfn=0 len=4k', 'memory-failure: unknown key "pfn" (did you mean "pfn-offset"?); memory-failure takes dev, pfn-offset, len'],
  ],
  'unbind': [
    ['type', 'unbind dev=PMEM', 'unbind: unknown device "PMEM" in dev=PMEM (did you mean "pmem0"?); declared: pmem0'],
    ['range', 'unbind dev=pmem9', 'unbind: unknown device "pmem9" in dev=pmem9 (did you mean "pmem0"?); declared: pmem0'],
    ['unknown', 'unbind force', 'unbind: unknown key "force"; unbind takes dev'],
  ],
  'dm': [
    ['missing', 'dm type=linear devs=pmem0:0:8', 'dm: missing name=NAME: the name other lines use in dev='],
    ['type', 'dm name=d type=mirror', 'dm: type must be one of linear, stripe, error, got "mirror" (did you mean "error"?)'],
    ['range', 'dm name=d type=stripe devs=pmem0,pmem0 chunk=4', 'dm: chunk must be in [8, 2097152] 512-byte sectors, got 4'],
    ['unknown', 'dm name=d type=error sector=8', 'dm: unknown key "sector" (did you mean "sectors"?); dm takes name, type, devs, chunk, sectors'],
  ],
  'policy': [
    ['type', 'policy memory-failure=batch', 'policy: memory-failure must be one of per-page, range, got "batch"'],
    ['range', 'policy dm-recovery=some', 'policy: dm-recovery must be one of per-target, all-or-nothing, got "some"'],
    ['unknown', 'policy mf=range', 'policy: unknown key "mf"; policy takes memory-failure, dm-recovery'],
  ],
};

describe('malformed lines, per command', () => {
  it('covers every command of the table', () => {
    expect(Object.keys(MATRIX).sort()).toEqual([...COMMAND_WORDS].sort());
  });

  it('covers each kind of mistake wherever the command has keys of that kind', () => {
    for (const row of ROWS) {
      const kinds = new Set(MATRIX[row.word]!.map(([what]) => what));
      if (row.keys.some((k) => 'required' in k && k.required)) expect(kinds.has('missing'), `${row.word}: missing`).toBe(true);
      if (row.keys.length > 0) {
        expect(kinds.has('type'), `${row.word}: type`).toBe(true);
        expect(kinds.has('range'), `${row.word}: range`).toBe(true);
      }
      expect(kinds.has('unknown'), `${row.word}: unknown`).toBe(true);
    }
  });

  for (const [word, cases] of Object.entries(MATRIX)) {
    describe(word, () => {
      for (const [what, line, message] of cases) {
        it(`${what}: ${line.length > 60 ? line.slice(0, 60) + '…' : line}`, () => {
          expect(errorsOf(line, word)).toEqual([`line ${lineOf(word)}: ${message}`]);
        });
      }
    });
  }

  it('accepts each command written correctly after the prelude', () => {
    const good: Readonly<Record<string, string>> = {
      'device': 'device name=p2 size=2MiB mode=raw', 'reconfigure': 'reconfigure mode=raw',
      'inject-error': 'inject-error block=42 count=8 notify', 'uninject': 'uninject block=42 count=8',
      'inject-status': 'inject-status', 'error-map': 'error-map file=test/fixtures/errmaps/small-badblocks.txt', 'poison': 'poison offset=0x12345 len=64', 'scrub': 'scrub short',
      'badblocks': 'badblocks', 'region-badblocks': 'region-badblocks dev=pmem0', 'badblocks-store': 'badblocks-store text="100 8\\n"',
      'read': 'read sector=96 bytes=4k', 'write': 'write sector=96 bytes=4k pattern=0xab', 'fsync': 'fsync file=f',
      'clear-poison': 'clear-poison offset=4k len=4k', 'zero-page': 'zero-page pgoff=12', 'dax-access': 'dax-access pgoff=10 pages=8 mode=recovery-write',
      'recovery-write': 'recovery-write pgoff=12 offset=0 bytes=4096', 'file': 'file name=g pgoff=10 pages=8',
      'pread': 'pread file=f offset=0 bytes=16k', 'pwrite': 'pwrite file=f offset=100 bytes=100', 'punch-hole': 'punch-hole file=f offset=8k bytes=4k',
      'advance': 'advance ms=1000', 'power-fail': 'power-fail',
      'fs': 'fs type=xfs rmapbt=0 meta-pages=0', 'process': 'process name=B early-kill', 'sysctl': 'sysctl memory_failure_early_kill=1',
      'mmap': 'mmap process=A file=f pmd', 'load': 'load process=A file=f offset=8', 'store': 'store process=A file=f offset=16 pattern=1',
      'madvise-hwpoison': 'madvise-hwpoison process=A file=f offset=4k root', 'madvise-soft-offline': 'madvise-soft-offline process=A file=f offset=0',
      'signals': 'signals process=A', 'memory-failure': 'memory-failure pfn-offset=4k len=64', 'unbind': 'unbind',
      'dm': 'dm name=d type=error sectors=8', 'policy': 'policy memory-failure=range dm-recovery=all-or-nothing',
    };
    expect(Object.keys(good).sort()).toEqual([...COMMAND_WORDS].sort());
    for (const [word, line] of Object.entries(good)) {
      // mkfs comes before every file line, and the prelude has a file.
      if (word === 'fs') expect(validateScript(`device size=64MiB\n${line}\n`).ok, line).toBe(true);
      else expect(errorsOf(line, word), line).toEqual([]);
    }
  });
});
