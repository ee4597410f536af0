/**
 * Bad input to the public API (src/index.ts): the main constructors and functions with a
 * wrong type, a value out of range, a missing value and an unknown option. Each error must
 * name the field, show the value and say what is allowed (DESIGN.md "Bad input"), and the
 * state must be unchanged afterwards. Kernel refusals stay kernel results (KernelError with
 * an errno, or a `ret`), not misuse errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachSystem, computeLayout, createBadblocks, createFsdaxSystem, createMedia, createMmSystem, createSystem,
  KernelError, parseSize, type Badblocks, type FsDax, type Media, type System,
} from '../../src/index.js';

type Thunk = () => unknown;

/** The error a call throws or rejects with (undefined when it succeeds). */
async function failure(fn: Thunk): Promise<Error | undefined> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  return undefined;
}

interface Case {
  readonly name: string;
  readonly call: Thunk;
  readonly type: typeof TypeError | typeof RangeError;
  /** The field, the value as shown and what is allowed, in the message. */
  readonly says: RegExp;
}

const MiB = 1024 * 1024;

describe('constructors: wrong type, out of range, missing, unknown option', () => {
  const ns = { size: '64MiB', mode: 'fsdax' as const };
  const cases: Case[] = [
    { name: 'createSystem(null)', call: () => createSystem(null as never), type: TypeError, says: /^options must be an object such as .*, got null$/ },
    { name: 'createSystem: namespaces missing', call: () => createSystem({} as never), type: RangeError, says: /^namespaces must be a list of 1\.\.8 namespaces, got undefined$/ },
    { name: 'createSystem: size wrong type', call: () => createSystem({ namespaces: [{ size: true as never }] }), type: TypeError, says: /^namespaces\[0\]\.size must be a size such as 4096, "4k" or "2MiB".*, got true$/ },
    { name: 'createSystem: size missing', call: () => createSystem({ namespaces: [{} as never] }), type: TypeError, says: /^namespaces\[0\]\.size must be a size .*, got undefined$/ },
    { name: 'createSystem: size beyond the memory', call: () => createSystem({ namespaces: [{ size: '8GiB' }] }), type: RangeError, says: /^namespaces: sizes add up to 8589934592 bytes .*more than the 4202143744 bytes one wasm32 memory can hold/ },
    { name: 'createSystem: mode out of range', call: () => createSystem({ namespaces: [{ size: '64MiB', mode: 'fsdx' as never }] }), type: RangeError, says: /^namespaces\[0\]\.mode must be one of raw, fsdax, devdax, got "fsdx"$/ },
    { name: 'createSystem: kernel out of range', call: () => createSystem({ namespaces: [{ size: '64MiB', kernel: '4.0' as never }] }), type: RangeError, says: /^namespaces\[0\]\.kernel must be one of 5\.18, 5\.19, 6\.5, 6\.15, got "4\.0"$/ },
    { name: 'createSystem: maxThreads wrong type', call: () => createSystem({ namespaces: [ns], maxThreads: '2' as never }), type: TypeError, says: /^maxThreads must be an integer in \[1, 64\], got "2"$/ },
    { name: 'createSystem: maxThreads out of range', call: () => createSystem({ namespaces: [ns], maxThreads: 1000 }), type: RangeError, says: /^maxThreads must be an integer in \[1, 64\], got 1000$/ },
    { name: 'createSystem: eADR wrong type', call: () => createSystem({ namespaces: [ns], eADR: 'yes' as never }), type: TypeError, says: /^eADR must be a boolean, got "yes"$/ },
    { name: 'createSystem: unknown option', call: () => createSystem({ namespaces: [ns], maxthreads: 2 } as never), type: RangeError, says: /^options has an unknown option "maxthreads" \(did you mean "maxThreads"\?\); options: namespaces, / },
    { name: 'createSystem: unknown namespace option', call: () => createSystem({ namespaces: [{ size: '64MiB', mdoe: 'fsdax' } as never] }), type: RangeError, says: /^namespaces\[0\] has an unknown option "mdoe" \(did you mean "mode"\?\)/ },
    { name: 'createMmSystem: maxThreads out of range', call: () => createMmSystem({ namespaces: [ns], maxThreads: 100 }), type: RangeError, says: /^maxThreads must be an integer in \[1, 64\], got 100$/ },
    { name: 'createFsdaxSystem: size wrong type', call: () => createFsdaxSystem({ namespaces: [{ size: [] as never }] }), type: TypeError, says: /^namespaces\[0\]\.size must be a size .*, got an array of 0$/ },
    { name: 'createBadblocks: kind out of range', call: () => createBadblocks({ kind: 'tree' as never }), type: RangeError, says: /^kind must be one of 'table', 'table-legacy', 'itree', 'btree', 'bitmap', got "tree"$/ },
    { name: 'createBadblocks: shift out of range', call: () => createBadblocks({ shift: 10 }), type: RangeError, says: /^shift must be an integer in \[-1, 9\] \(-1 disables the structure\), got 10$/ },
    { name: 'createBadblocks: maxEntries wrong type', call: () => createBadblocks({ maxEntries: '512' as never }), type: TypeError, says: /^maxEntries must be an integer entries in \[1, \d+\], got "512"$/ },
    { name: 'createBadblocks: unknown option', call: () => createBadblocks({ knd: 'table' } as never), type: RangeError, says: /^options has an unknown option "knd" \(did you mean "kind"\?\)/ },
    { name: 'createMedia: size missing', call: () => createMedia({} as never), type: TypeError, says: /^size must be an integer byte count in \[4096, \d+\] .*, got undefined$/ },
    { name: 'createMedia: size beyond the memory', call: () => createMedia({ size: '5GiB' }), type: RangeError, says: /^size must be an integer byte count in \[4096, 4202143744\] .*fit one 4 GiB wasm32 memory.*, got 5368709120$/ },
    { name: 'createMedia: unknown option', call: () => createMedia({ size: MiB, eadr: true } as never), type: RangeError, says: /^options has an unknown option "eadr" \(did you mean "eADR"\?\)/ },
    { name: 'computeLayout: mediaBytes out of range', call: () => computeLayout({ mediaBytes: 5 * 2 ** 30 }), type: RangeError, says: /^mediaBytes must be an integer in \[0, 4294967296\], got 5368709120$/ },
    { name: 'parseSize: unknown unit', call: () => parseSize('size', '4XB'), type: RangeError, says: /^size must be a size such as 4096, "4k" or "2MiB".*, got "4XB"$/ },
    { name: 'attachSystem: not a handle', call: () => attachSystem({} as never), type: TypeError, says: /^handle must be a System\.handle, got / },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const err = await failure(c.call);
      expect(err).toBeInstanceOf(c.type);
      expect(err!.message).toMatch(c.says);
      expect(err!.message).not.toContain('\n');
    });
  }
});

describe('methods: bad arguments change nothing', () => {
  let bb: Badblocks;
  let media: Media;
  let system: System;
  let fs: FsDax;
  beforeAll(async () => {
    bb = await createBadblocks();
    bb.set(100, 8, true);
    media = await createMedia({ size: MiB });
    media.write(0, new Uint8Array(64).fill(0xab));
    ({ system, fs } = await createFsdaxSystem({ namespaces: [{ size: '64MiB', mode: 'fsdax' }] }));
  });
  afterAll(() => {
    bb.detach();
    media.detach();
    system.detach();
  });

  const badblocksCases: [string, (b: Badblocks) => unknown, typeof TypeError | typeof RangeError, RegExp][] = [
    ['set: sector wrong type', (b) => b.set('1' as never, 8, true), TypeError, /^s must be an integer sector in \[0, 9007199254740992\], got "1"$/],
    ['set: sector negative', (b) => b.set(-1, 8, true), RangeError, /^s must be an integer sector in \[0, 9007199254740992\], got -1$/],
    ['set: len missing', (b) => b.set(0, undefined as never, true), TypeError, /^len must be an integer sector count in \[0, \d+\] \(s \+ len must not pass 2\^53\), got undefined$/],
    ['set: s + len past 2^53', (b) => b.set(2 ** 53 - 4, 8, true), RangeError, /^len must be an integer sector count in \[0, 4\] \(s \+ len must not pass 2\^53\), got 8$/],
    ['set: acked wrong type', (b) => b.set(0, 8, 'yes' as never), TypeError, /^acked must be a boolean, got "yes"$/],
    ['clear: fractional', (b) => b.clear(1.5, 8), RangeError, /^s must be an integer sector .*, got 1\.5$/],
    ['check: len wrong type', (b) => b.check(0, null as never), TypeError, /^len must be an integer sector count .*, got null$/],
    ['store: text wrong type', (b) => b.store(5 as never), TypeError, /^text must be a string, got 5$/],
    ['store: unacked wrong type', (b) => b.store('1 1\n', { unacked: 1 as never }), TypeError, /^unacked must be a boolean, got 1$/],
  ];
  for (const [name, call, type, says] of badblocksCases) {
    it(`Badblocks.${name}`, async () => {
      const before = bb.entries();
      const err = await failure(() => call(bb));
      expect(err).toBeInstanceOf(type);
      expect(err!.message).toMatch(says);
      expect(bb.entries()).toEqual(before);
    });
  }

  // sysfs text: what badblocks_store's sscanf refuses is the kernel's EINVAL, not a misuse of the tool.
  for (const text of ['100 0', '100 -8', '', 'abc', '100', '100 8 junk', '100 8x', '99999999999999999999 8', '100 4294967296']) {
    it(`Badblocks.store(${JSON.stringify(text)}) is the kernel refusing (KernelError EINVAL); nothing changes`, () => {
      const before = bb.entries();
      const err = (() => { try { bb.store(text); } catch (e) { return e; } return undefined; })();
      expect(err).toBeInstanceOf(KernelError);
      expect((err as KernelError).code).toBe('EINVAL');
      expect((err as Error).message).toMatch(/^EINVAL: (badblocks text|sector|length)/);
      expect(bb.entries()).toEqual(before);
    });
  }

  const mediaCases: [string, (m: Media) => unknown, typeof TypeError | typeof RangeError, RegExp][] = [
    ['write: bytes wrong type', (m) => m.write(0, [1, 2] as never), TypeError, /^bytes must be a Uint8Array, got an array of 2$/],
    ['write: past the end', (m) => m.write(MiB - 1, new Uint8Array(2)), RangeError, /^bytes\.length must be an integer byte count in \[0, 1\] \(offset 1048575 \+ bytes\.length must not pass the 1048576-byte media\), got 2$/],
    ['write: offset wrong type', (m) => m.write('0' as never, new Uint8Array(1)), TypeError, /^offset must be an integer byte offset in \[0, 1048576\] .*, got "0"$/],
    ['read: len negative', (m) => m.read(0, -1), RangeError, /^len must be an integer byte count in \[0, 1048576\] .*, got -1$/],
    ['poison: offset out of range', (m) => m.poison(2 * MiB, 64), RangeError, /^offset must be an integer byte offset in \[0, 1048576\] .*, got 2097152$/],
  ];
  for (const [name, call, type, says] of mediaCases) {
    it(`Media.${name}`, async () => {
      const before = media.read(0, 128);
      const poisoned = media.isPoisoned(0, MiB);
      const err = await failure(() => call(media));
      expect(err).toBeInstanceOf(type);
      expect(err!.message).toMatch(says);
      expect(media.read(0, 128)).toEqual(before);
      expect(media.isPoisoned(0, MiB)).toBe(poisoned);
    });
  }

  const fsCases: [string, () => unknown, typeof TypeError | typeof RangeError, RegExp][] = [
    ['createFile: pages negative', () => fs.createFile({ ns: system.namespaces[0]!, name: 'f', pgoff: 0, pages: -1 }), RangeError, /^pages must be an integer pages in \[1, \d+\] \(device pmem0 has \d+ data pages\), got -1$/],
    ['createFile: name empty', () => fs.createFile({ ns: system.namespaces[0]!, name: '', pgoff: 0, pages: 1 }), RangeError, /^name must be 1\.\.64 bytes of UTF-8 without "\/" or NUL, got ""$/],
    ['createFile: pgoff past the device', () => fs.createFile({ ns: system.namespaces[0]!, name: 'f', pgoff: 1e9, pages: 1 }), RangeError, /^pgoff must be an integer page in \[0, \d+\] .*, got 1000000000$/],
    ['open: unknown file', () => fs.open('nope'), RangeError, /^no file "nope"; files: \(none\)$/],
  ];
  for (const [name, call, type, says] of fsCases) {
    it(`FsDax.${name}`, async () => {
      const err = await failure(call);
      expect(err).toBeInstanceOf(type);
      expect(err!.message).toMatch(says);
      expect(fs.files()).toEqual([]);
    });
  }
});
