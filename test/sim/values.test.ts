/**
 * The value types: each written form that is accepted, what it becomes, and the message for
 * each refusal (naming the key, the value and what is allowed).
 */
import { describe, it, expect } from 'vitest';
import { parseValue, usageOf, allowedText, defaultText, bytesText } from '../../src/sim/values.js';
import type { KeySpec } from '../../src/sim/spec.js';

const INT: KeySpec = { name: 'sector', type: 'int', unit: 'sectors', min: 0, max: 1000, required: true, help: 'h' };
const SIGNED: KeySpec = { name: 'pages', type: 'int', unit: 'pages', min: -10, max: 10, required: true, help: 'h' };
const SIZE: KeySpec = { name: 'bytes', type: 'size', min: 1, max: 2 ** 30, required: true, help: 'h' };
const ALIGNED: KeySpec = { name: 'size', type: 'size', min: 0, max: 2 ** 40, multipleOf: 2 ** 21, required: true, help: 'h' };
const POW2: KeySpec = { name: 'clear-unit', type: 'size', min: 1, max: 2 ** 21, powerOfTwo: true, default: 256, help: 'h' };
const ENUM: KeySpec = { name: 'mode', type: 'enum', values: ['raw', 'fsdax', 'devdax'], default: 'fsdax', help: 'h' };
const STR: KeySpec = { name: 'text', type: 'string', maxLength: 8, required: true, help: 'h' };
const FLAG: KeySpec = { name: 'notify', type: 'flag', help: 'h' };
const PAT: KeySpec = { name: 'pattern', type: 'pattern', default: 0, help: 'h' };
const DEVNAME: KeySpec = { name: 'name', type: 'name', scope: 'device', help: 'h' };
const FILENAME: KeySpec = { name: 'name', type: 'name', scope: 'file', required: true, help: 'h' };

const ok = (k: KeySpec, raw: string | null): unknown => {
  const r = parseValue(k, raw);
  if ('error' in r) throw new Error(r.error);
  return r.value;
};
const bad = (k: KeySpec, raw: string | null): string => {
  const r = parseValue(k, raw);
  if (!('error' in r)) throw new Error(`expected an error, got ${String(r.value)}`);
  return r.error;
};

describe('int', () => {
  it('accepts decimal and 0x hex (either case)', () => {
    expect(ok(INT, '96')).toBe(96);
    expect(ok(INT, '0x60')).toBe(96);
    expect(ok(INT, '0X3E8')).toBe(1000);
    expect(ok(INT, '007')).toBe(7);
    expect(ok(SIGNED, '-3')).toBe(-3);
    expect(ok(SIGNED, '-0x2')).toBe(-2);
  });
  it('refuses fractions, units, signs, empty hex and garbage, naming the unit', () => {
    for (const raw of ['1.5', '4k', '+1', '0x', '1e3', 'ten', '0x1g', ' 1']) {
      expect(bad(INT, raw)).toBe(`sector must be a whole number of 512-byte sectors (decimal or 0x hex), got ${JSON.stringify(raw)}`);
    }
    expect(bad(SIGNED, 'x')).toMatch(/may be negative/);
  });
  it('refuses values outside the static range, and unsafe integers', () => {
    expect(bad(INT, '1001')).toBe('sector must be in [0, 1000] 512-byte sectors, got 1001');
    expect(bad(INT, '-1')).toBe('sector must be in [0, 1000] 512-byte sectors, got -1');
    expect(bad(INT, '9007199254740993')).toMatch(/whole number/);
  });
});

describe('size', () => {
  it('accepts bytes, binary units and 0x hex', () => {
    expect(ok(SIZE, '4096')).toBe(4096);
    expect(ok(SIZE, '4k')).toBe(4096);
    expect(ok(SIZE, '4KiB')).toBe(4096);
    expect(ok(SIZE, '4kb')).toBe(4096);
    expect(ok(SIZE, '2MiB')).toBe(2 * 1024 * 1024);
    expect(ok(SIZE, '0x12345')).toBe(0x12345);
    expect(ok(SIZE, '64B')).toBe(64);
    expect(ok(SIZE, '1.5k')).toBe(1536);
  });
  it('refuses bad units and forms, listing the accepted ones', () => {
    for (const raw of ['4q', '-1', 'k', '0x-1', '1.3b', '0xzz']) {
      expect(bad(SIZE, raw)).toBe(`bytes must be a whole number of bytes such as 4096, 0x1000, 4k or 2MiB (suffixes k/KiB, m/MiB, g/GiB, t/TiB, all binary), got ${JSON.stringify(raw)}`);
    }
  });
  it('refuses out-of-range values, showing the bytes a unit came to', () => {
    expect(bad(SIZE, '0')).toBe('bytes must be in [1, 1073741824 (1GiB)] bytes, got "0"');
    expect(bad(SIZE, '2GiB')).toBe('bytes must be in [1, 1073741824 (1GiB)] bytes, got "2GiB" = 2147483648 bytes');
  });
  it('checks multiples and powers of two', () => {
    expect(ok(ALIGNED, '64MiB')).toBe(64 * 2 ** 20);
    expect(bad(ALIGNED, '3MiB')).toBe('size must be a multiple of 2097152 bytes (2MiB), got "3MiB" = 3145728 bytes');
    expect(ok(POW2, '4k')).toBe(4096);
    expect(bad(POW2, '384')).toBe('clear-unit must be a power of two bytes, got "384"');
  });
});

describe('enum, string, flag, pattern, names', () => {
  it('enum: exact words only, with did-you-mean', () => {
    expect(ok(ENUM, 'devdax')).toBe('devdax');
    expect(bad(ENUM, 'fsdx')).toBe('mode must be one of raw, fsdax, devdax, got "fsdx" (did you mean "fsdax"?)');
    expect(bad(ENUM, 'RAW')).toBe('mode must be one of raw, fsdax, devdax, got "RAW" (did you mean "raw"?)');
  });
  it('string: any text up to its limit', () => {
    expect(ok(STR, '1 2\n')).toBe('1 2\n');
    expect(ok(STR, '')).toBe('');
    expect(bad(STR, '123456789')).toBe('text must be at most 8 characters, got 9');
  });
  it('flag: bare only', () => {
    expect(ok(FLAG, null)).toBe(true);
    expect(bad(FLAG, '1')).toBe('notify is a flag: write it alone, without a value (got notify="1")');
  });
  it('a value key written bare says how to write it', () => {
    expect(bad(INT, null)).toBe('sector needs a value: sector=N');
    expect(bad(STR, null)).toBe('text needs a value: text="TEXT"');
  });
  it('pattern: one byte, hex or decimal', () => {
    expect(ok(PAT, '0xab')).toBe(0xab);
    expect(ok(PAT, '0x0')).toBe(0);
    expect(ok(PAT, '255')).toBe(255);
    for (const raw of ['0x100', '256', '-1', 'ab']) expect(bad(PAT, raw)).toBe(`pattern must be one byte, 0x00..0xff (or 0..255), got ${JSON.stringify(raw)}`);
  });
  it('names follow the scope\'s syntax (devices as nvdimm/config.ts)', () => {
    expect(ok(DEVNAME, 'pmem1')).toBe('pmem1');
    expect(bad(DEVNAME, 'Pmem1')).toMatch(/^name must be a device name of a lower-case letter/);
    expect(bad(DEVNAME, '1pmem')).toMatch(/got "1pmem"/);
    expect(ok(FILENAME, 'F_1.dat')).toBe('F_1.dat');
    expect(bad(FILENAME, '-x')).toMatch(/^name must be a file name of/);
  });
});

describe('descriptions', () => {
  it('usage, allowed values and defaults come from the key', () => {
    expect(usageOf(INT)).toBe('sector=N');
    expect(usageOf(ENUM)).toBe('[mode=raw|fsdax|devdax]');
    expect(usageOf(FLAG)).toBe('[notify]');
    expect(allowedText(ALIGNED)).toBe('bytes in [0, 1099511627776 (1TiB)], a multiple of 2MiB');
    expect(defaultText(PAT)).toBe('0x00');
    expect(defaultText(POW2)).toBe('256');
    expect(bytesText(65011712)).toBe('65011712 bytes (62MiB)');
    expect(bytesText(1000)).toBe('1000 bytes');
  });
});
