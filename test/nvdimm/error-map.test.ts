/**
 * The error-map parsers (src/nvdimm/error-map.ts): sysfs badblocks text (reference §1.7) and
 * `ndctl list --media-errors` JSON. Expected values come from the formats' definitions and
 * from the input text itself, never from a run. Every bad input names the file, the line or
 * JSON path, the value and what is allowed; parsing is pure (nothing to change).
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  parseErrorMap, summarizeErrorMap, ErrorMapError, MAX_ERROR_MAP_BYTES, MAX_ERROR_MAP_RANGES, MAX_JSON_DEPTH,
  type ParseErrorMapOptions,
} from '../../src/nvdimm/error-map.js';

const ERRMAPS = fileURLToPath(new URL('../../bench/errmaps/', import.meta.url));

/** The ErrorMapError message `parseErrorMap(text, o)` throws. */
function fails(text: unknown, o: ParseErrorMapOptions = {}): string {
  try {
    parseErrorMap(text, { file: 'f', ...o });
  } catch (err) {
    expect(err).toBeInstanceOf(ErrorMapError);
    return (err as Error).message;
  }
  throw new Error('parseErrorMap accepted it');
}

/** One ndctl namespace object, with `over` replacing fields (undefined deletes one). */
function ns(over: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    dev: 'namespace1.0', mode: 'fsdax', map: 'dev', size: 64 * 1024 * 1024, sector_size: 512, align: 2097152,
    blockdev: 'pmem1', badblock_count: 9, badblocks: [{ offset: 42, length: 8, dimms: ['nmem0'] }, { offset: 100, length: 1 }],
  };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return base;
}
const json = (v: unknown): string => JSON.stringify(v);

describe('sysfs badblocks text (§1.7)', () => {
  it('parses "<sector> <count>" lines in 512-byte sectors from the data start; # comments and blank lines are skipped', () => {
    const m = parseErrorMap('# note\n42 8\r\n\n100 1\n', { file: 'bb.txt', dev: 'pmem3', sizeBytes: 1 << 20 });
    expect(m).toEqual({ source: 'bb.txt', format: 'sysfs', namespaces: [{ name: 'pmem3', sizeBytes: 1 << 20, badblocks: [{ sector: 42, sectors: 8 }, { sector: 100, sectors: 1 }] }] });
  });

  it('an empty file is a clean namespace when the format is said, else an error saying so', () => {
    expect(parseErrorMap('', { format: 'sysfs' }).namespaces).toEqual([{ name: 'pmem0', badblocks: [] }]);
    expect(fails('')).toMatch(/^f: is empty: .*format=sysfs/);
    expect(fails('  \n')).toMatch(/is empty/);
  });

  it('wrong types: a non-number sector or count, a third field (badblocks_store refuses it)', () => {
    expect(fails('abc 8\n')).toMatch(/^f:1: "abc 8" is not a badblocks line: .*"<sector> <count>" in 512-byte sectors/);
    expect(fails('42 8\n100 x\n')).toMatch(/^f:2: "100 x" is not a badblocks line/);
    expect(fails('42 8 9\n')).toMatch(/^f:1: "42 8 9" is not a badblocks line: .*newline/);
    expect(fails('42 +8\n')).toMatch(/^f:1: "42 \+8" is not two decimal numbers/);
  });

  it('missing values: a sector without a count', () => {
    expect(fails('42\n')).toMatch(/^f:1: "42" is not a badblocks line/);
  });

  it('out of range: count 0, a sector past the stated size or 2^42 bytes, a range ending past the end, digits past 2^53', () => {
    expect(fails('42 0\n')).toMatch(/^f:1: .*length must be > 0, got 0/);
    expect(fails('2048 1\n', { sizeBytes: 1 << 20 })).toMatch(/^f:1: sector 2048 is past the end: allowed \[0, 2047\], the 512-byte sectors of the namespace's 1048576 data bytes/);
    expect(fails('2040 16\n', { sizeBytes: 1 << 20 })).toMatch(/^f:1: sector 2040 \+ count 16 ends at sector 2056, past the 2048 sectors/);
    expect(fails(`${2 ** 33} 1\n`)).toMatch(/past the end: allowed \[0, 8589934591\].*at most 4 TiB/);
    expect(fails('99999999999999999999 1\n')).toMatch(/^f:1: .*too large/);
  });

  it('ranges must be ascending and not overlap, as the table prints them (touching is allowed: 512-sector splits)', () => {
    expect(parseErrorMap('0 512\n512 8\n').namespaces[0]!.badblocks).toHaveLength(2);
    expect(fails('100 8\n104 8\n')).toMatch(/^f:2: sector 104 is before the end \(108\) of the previous range 100 8; ranges must be ascending/);
    expect(fails('100 8\n42 8\n')).toMatch(/^f:2: sector 42 is before the end/);
  });

  it('huge: more than the range limit, or more bytes than the file limit', () => {
    const many = Array.from({ length: MAX_ERROR_MAP_RANGES + 1 }, (_, i) => `${2 * i} 1\n`).join('');
    expect(fails(many)).toMatch(new RegExp(`^f:${MAX_ERROR_MAP_RANGES + 1}: more than ${MAX_ERROR_MAP_RANGES} ranges`));
    expect(fails('#'.repeat(MAX_ERROR_MAP_BYTES + 1))).toMatch(/^f: is 16777217 characters, more than the 16777216 \(16 MiB\)/);
  });

  it('options: wrong types and conflicts are refused before reading the text', () => {
    expect(fails('1 1\n', { format: 'csv' as never })).toMatch(/^f: format must be one of sysfs, ndctl, got "csv"/);
    expect(fails('1 1\n', { dev: 'PMEM 0' })).toMatch(/dev must be a device name such as "pmem0", got "PMEM 0"/);
    expect(fails('1 1\n', { sizeBytes: 1000 })).toMatch(/sizeBytes must be a whole number of 512-byte sectors in \[512, 2\^53\), got 1000/);
    expect(fails('1 1\n', { sizeBytes: '1MiB' as never })).toMatch(/sizeBytes .* got "1MiB"/);
    expect(fails(json(ns()), { sizeBytes: 1 << 20 })).toMatch(/sizeBytes is for sysfs text; ndctl JSON says each namespace's size itself/);
    expect(fails(42)).toMatch(/^f: must be text, got 42/);
  });

  it('the shipped example equals its definition (bench/errmaps/README.md)', () => {
    const m = parseErrorMap(readFileSync(ERRMAPS + 'pmem1-badblocks.txt', 'utf8'), { dev: 'pmem1', sizeBytes: 811746721792 });
    expect(m.namespaces[0]!.badblocks).toEqual([
      { sector: 1048576, sectors: 8 }, { sector: 201326597, sectors: 1 }, { sector: 201326600, sectors: 8 },
      { sector: 943718400, sectors: 64 }, { sector: 1585442800, sectors: 16 },
    ]);
  });
});

describe('ndctl list --media-errors JSON', () => {
  const expected = { name: 'pmem1', sizeBytes: 64 * 1024 * 1024, mode: 'fsdax', badblocks: [{ sector: 42, sectors: 8 }, { sector: 100, sectors: 1 }] };

  it('accepts the shapes ndctl prints: a namespace, an array, a region, regions, {"regions"}, {"namespaces"}, a bus', () => {
    const shapes = [
      ns(), [ns()], { dev: 'region1', size: 1 << 30, namespaces: [ns()] }, [{ dev: 'region1', namespaces: [ns()] }],
      { regions: [{ dev: 'region1', namespaces: [ns()] }] }, { dimms: [{ dev: 'nmem0' }], namespaces: [ns()] },
      { provider: 'ACPI.NFIT', dev: 'ndbus0', regions: [{ dev: 'region1', namespaces: [ns()] }] },
      [{ provider: 'ACPI.NFIT', dev: 'ndbus0', regions: [{ dev: 'region1', namespaces: [ns()] }] }],
    ];
    for (const s of shapes) expect(parseErrorMap(json(s), { file: 'f' }).namespaces, json(s)).toEqual([expected]);
  });

  it('names a namespace by its blockdev, else its chardev (devdax), else dev; legacy mode names map to the current ones', () => {
    expect(parseErrorMap(json(ns({ blockdev: undefined, chardev: 'dax1.0', mode: 'dax' }))).namespaces[0]).toMatchObject({ name: 'dax1.0', mode: 'devdax' });
    expect(parseErrorMap(json(ns({ blockdev: undefined, mode: 'memory' }))).namespaces[0]).toMatchObject({ name: 'namespace1.0', mode: 'fsdax' });
    expect(parseErrorMap(json(ns({ badblocks: undefined, badblock_count: undefined }))).namespaces[0]!.badblocks).toEqual([]);
  });

  it('dev= keeps one namespace; an unknown one is refused with did-you-mean', () => {
    const two = [ns(), ns({ dev: 'namespace0.0', blockdev: 'pmem0', badblocks: undefined, badblock_count: undefined })];
    expect(parseErrorMap(json(two), { dev: 'pmem0' }).namespaces.map((n) => n.name)).toEqual(['pmem0']);
    expect(fails(json(two), { dev: 'pmem2' })).toMatch(/^f: \$: has no namespace named "pmem2"; it lists pmem1, pmem0 \(did you mean "pmem1" or "pmem0"\?\)/);
  });

  it('malformed containers: not JSON, truncated, empty with format=ndctl, deeply nested, huge, no namespaces, a scalar, a non-array container', () => {
    expect(fails('{"dev": namespace1.0}')).toMatch(/^f: not valid JSON: .*expected the output of "ndctl list --media-errors"/);
    expect(fails(json([ns()]).slice(0, 60))).toMatch(/^f: not valid JSON \(truncated\?\)/);
    expect(fails('', { format: 'ndctl' })).toMatch(/^f: not valid JSON \(truncated\?\)/);
    const deep = '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1);
    expect(fails(deep)).toMatch(/^f: JSON nested more than 16 levels deep; ndctl list prints at most 9/);
    expect(fails('['.repeat(100000))).toMatch(/nested more than 16 levels/);
    // Brackets inside strings do not count.
    expect(parseErrorMap(json(ns({ uuid: '[[[[[[[[[[[[[[[[[[[[' }))).namespaces).toHaveLength(1);
    expect(fails('[' + ' '.repeat(MAX_ERROR_MAP_BYTES) + ']')).toMatch(/more than the 16777216 \(16 MiB\)/);
    expect(fails('{"regions": []}')).toMatch(/^f: \$: holds no namespace objects; run "ndctl list --namespaces --media-errors"/);
    expect(fails('[1]')).toMatch(/^f: \$\[0\]: is number 1; expected a namespace object/);
    expect(fails('{"regions": {"dev": "region0"}}')).toMatch(/^f: \$\.regions: is an object; ndctl prints "regions" as an array/);
    expect(fails(json(Array.from({ length: 65 }, (_, i) => ns({ dev: `namespace${i}.0`, blockdev: `pmem${i}` }))))).toMatch(/holds 65 namespaces, more than the 64/);
    expect(fails(json([ns(), ns()]))).toMatch(/^f: \$\[1\]: namespace "pmem1" appears twice \(also at \$\[0\]\)/);
  });

  it('unknown keys are refused with did-you-mean (namespace objects and badblocks records)', () => {
    expect(fails(json(ns({ badblock: [] })))).toMatch(/^f: \$\.badblock: unknown key in a namespace object \(did you mean "badblock_count" or "badblocks"\?\)/);
    expect(fails(json(ns({ sizee: 1 })))).toMatch(/^f: \$\.sizee: unknown key .*\(did you mean "size"\?\)/);
    expect(fails(json(ns({ badblocks: [{ ofset: 42, length: 8 }] })))).toMatch(/^f: \$\.badblocks\[0\]\.ofset: unknown key in a badblocks record \(did you mean "offset"\?\); ndctl prints offset, length and dimms/);
  });

  describe('every field: a wrong type, an out-of-range value, a missing value', () => {
    const cases: [field: string, over: Record<string, unknown>, message: RegExp][] = [
      ['dev', { dev: 7 }, /\$\.dev: is number 7; expected a string such as "namespace0\.0"/],
      ['dev', { dev: 'region0' }, /\$\.dev: is "region0"; expected "namespaceX\.Y"/],
      ['dev', { dev: undefined }, /\$\.dev: is missing; every ndctl namespace object has "dev"/],
      ['mode', { mode: 1 }, /\$\.mode: is number 1; expected one of raw, fsdax, memory, devdax, dax, sector, safe/],
      ['mode', { mode: 'fsdx' }, /\$\.mode: is "fsdx"; expected one of .* \(did you mean "fsdax"\?\)/],
      ['mode', { mode: 'sector' }, /\$\.mode: is "sector": a BTT \(sector mode\) namespace is not modelled/],
      ['size', { size: '64MiB' }, /\$\.size: is the string "64MiB"; expected a byte count \(a JSON number\)/],
      ['size', { size: 1000 }, /\$\.size: is 1000; expected whole 512-byte sectors in \[512, 2\^42\] bytes/],
      ['size', { size: 2 ** 43 }, /\$\.size: is 8796093022208; expected whole 512-byte sectors in \[512, 2\^42\]/],
      ['size', { size: undefined }, /\$\.size: is missing; ndctl prints every namespace's size in bytes/],
      ['blockdev', { blockdev: ['pmem1'] }, /\$\.blockdev: is an array; expected a string such as "pmem0"/],
      ['blockdev', { blockdev: 'sda' }, /\$\.blockdev: is "sda"; expected a device name such as "pmem0"/],
      ['chardev', { chardev: 'dax' }, /\$\.chardev: is "dax"; expected a device name such as "dax0\.0"/],
      ['sector_size', { sector_size: 520 }, /\$\.sector_size: is 520; pmem namespaces have 512 or 4096/],
      ['align', { align: '2M' }, /\$\.align: is the string "2M"; ndctl prints an integer/],
      ['badblock_count', { badblock_count: '9' }, /\$\.badblock_count: is the string "9"; expected a whole number of bad sectors >= 0/],
      ['badblock_count', { badblock_count: 10 }, /\$\.badblock_count: is 10 but the badblocks lengths add up to 9; .*the two disagree/],
      ['badblock_count', { badblocks: undefined }, /\$\.badblock_count: is 9 but there is no "badblocks" list: the file was listed without --media-errors \(-M\)/],
      ['badblocks', { badblocks: {} }, /\$\.badblocks: is an object; expected an array of \{"offset": SECTOR, "length": SECTORS\}/],
      ['badblocks[]', { badblocks: ['42 8'], badblock_count: undefined }, /\$\.badblocks\[0\]: is the string "42 8"; expected \{"offset"/],
      ['offset', { badblocks: [{ offset: '42', length: 8 }], badblock_count: 8 }, /\$\.badblocks\[0\]\.offset: is the string "42"; expected a whole number of 512-byte sectors/],
      ['offset', { badblocks: [{ offset: -1, length: 8 }], badblock_count: 8 }, /\$\.badblocks\[0\]\.offset: is -1; expected a whole number of 512-byte sectors in \[0, 8589934592\]/],
      ['offset', { badblocks: [{ offset: 131072, length: 8 }], badblock_count: 8 }, /\$\.badblocks\[0\]: offset 131072 is past the end: allowed \[0, 131071\].*67108864 data bytes/],
      ['offset', { badblocks: [{ length: 8 }], badblock_count: 8 }, /\$\.badblocks\[0\]\.offset: is missing; a badblocks record has "offset" and "length"/],
      ['length', { badblocks: [{ offset: 42, length: null }], badblock_count: 8 }, /\$\.badblocks\[0\]\.length: is null; expected a whole number/],
      ['length', { badblocks: [{ offset: 42, length: 0.5 }], badblock_count: 8 }, /\$\.badblocks\[0\]\.length: is 0\.5; expected a whole number of 512-byte sectors in \[1,/],
      ['length', { badblocks: [{ offset: 131070, length: 8 }], badblock_count: 8 }, /\$\.badblocks\[0\]: offset 131070 \+ length 8 ends at sector 131078, past the 131072 sectors/],
      ['length', { badblocks: [{ offset: 42 }], badblock_count: 8 }, /\$\.badblocks\[0\]\.length: is missing/],
      ['dimms', { badblocks: [{ offset: 42, length: 8, dimms: 'nmem0' }], badblock_count: 8 }, /\$\.badblocks\[0\]\.dimms: is the string "nmem0"; expected an array of DIMM names/],
      ['order', { badblocks: [{ offset: 42, length: 8 }, { offset: 44, length: 1 }] }, /\$\.badblocks\[1\]: offset 44 is before the end \(50\) of the previous range 42 8/],
    ];
    for (const [field, over, message] of cases) {
      it(`${field}: ${json(over).slice(0, 70)}`, () => {
        expect(fails(json(ns(over)))).toMatch(new RegExp('^f: ' + message.source));
      });
    }
  });

  it('the shipped example equals its definition (bench/errmaps/README.md), and the sysfs example is the same map', () => {
    const m = parseErrorMap(readFileSync(ERRMAPS + 'ndctl-list-media-errors.json', 'utf8'), { file: 'x.json' });
    expect(m.namespaces.map((n) => [n.name, n.sizeBytes, n.mode, n.badblocks.length])).toEqual([['pmem1', 811746721792, 'fsdax', 5], ['pmem0', 811746721792, 'fsdax', 0]]);
    const text = parseErrorMap(readFileSync(ERRMAPS + 'pmem1-badblocks.txt', 'utf8'), { dev: 'pmem1' });
    expect(text.namespaces[0]!.badblocks).toEqual(m.namespaces[0]!.badblocks);
    expect(summarizeErrorMap(m)).toBe(
      'x.json: ndctl, 2 namespaces\n' +
      '  pmem1 (fsdax): 811746721792 data bytes, 5 ranges, 97 bad sectors, sectors 1048576..1585442815\n' +
      '  pmem0 (fsdax): 811746721792 data bytes, 0 ranges, 0 bad sectors\n');
  });
});
