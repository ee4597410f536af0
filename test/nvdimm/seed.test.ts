/**
 * Seeding a system from an error map (src/nvdimm/seed.ts): the state after boot — media
 * poisoned, the firmware list, a short ARS populating badrange and badblocks (reference §2.1,
 * §2.3). Expected values come from the map's own text and the reference's conversions; a
 * refused seed changes nothing.
 */
import { describe, it, expect } from 'vitest';
import { createSystem, type System } from '../../src/nvdimm/system.js';
import { parseErrorMap, ErrorMapError } from '../../src/nvdimm/error-map.js';
import { seedErrorMap } from '../../src/nvdimm/seed.js';
import { injectStatus } from '../../src/nvdimm/inject.js';
import { pmemRead, pmemWrite } from '../../src/pmem/block.js';
import { BADBLOCKS_KINDS } from '../../src/badblocks/kinds.js';

const MIB = 1024 * 1024;

/** Everything a seed may change, to compare before and after a refused one. */
function snapshot(sys: System): unknown {
  return {
    namespaces: sys.namespaces.map((ns) => ({ bb: ns.bb.show(), rbb: ns.regionBb.show(), windows: ns.sparse?.windows() ?? null })),
    poisoned: sys.media.firstPoisoned(0, sys.media.size),
    fw: sys.bus.firmware.entries(), br: sys.bus.badrange.entries(), counters: sys.bus.counters(),
  };
}

function refused(sys: System, fn: () => unknown): string {
  const before = snapshot(sys);
  let message = '';
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ErrorMapError);
    message = (err as Error).message;
  }
  expect(message, 'the seed was refused').not.toBe('');
  expect(snapshot(sys)).toEqual(before);
  return message;
}

describe('seedErrorMap: the state after boot', () => {
  for (const kind of BADBLOCKS_KINDS) {
    it(`badblocks text after seeding equals the map (§1.7, §2.1), ${kind}`, async () => {
      const sys = await createSystem({ namespaces: [{ name: 'pmem0', size: '64MiB', mode: 'fsdax', badblocks: kind }], maxThreads: 2 });
      const ns = sys.namespaces[0]!;
      const text = '42 8\n100 1\n4096 64\n126970 6\n';
      const out = seedErrorMap(sys, parseErrorMap(text, { file: 'bb.txt', sizeBytes: ns.dataBytes }));
      expect(out).toEqual([{ name: 'pmem0', ranges: 4, sectors: 79, windowsAdded: 0, records: 4 }]);
      expect(ns.bb.show()).toBe(text);
      // The region counts from the region start: + the 2 MiB fsdax reservation = 4096 sectors.
      expect(ns.regionBb.show()).toBe('4138 8\n4196 1\n8192 64\n131066 6\n');
      // The firmware and the kernel's badrange list hold the SPA byte ranges; the media is poisoned.
      const spa = (s: number, n: number): { start: number; length: number } => ({ start: ns.dataStart + s * 512, length: n * 512 });
      expect(sys.bus.firmware.entries()).toEqual([spa(42, 8), spa(100, 1), spa(4096, 64), spa(126970, 6)]);
      expect(sys.bus.badrange.entries()).toEqual(sys.bus.firmware.entries());
      expect(sys.media.isPoisoned(ns.dataStart + 42 * 512, 8 * 512)).toBe(true);
      expect(sys.media.isPoisoned(ns.dataStart + 50 * 512, 50 * 512)).toBe(false);
      // N-10: ndctl's --status conversion gives the same blocks back.
      expect(injectStatus(ns)).toEqual([{ block: 42, count: 8 }, { block: 100, count: 1 }, { block: 4096, count: 64 }, { block: 126970, count: 6 }]);
      // Nothing was consumed: no machine check, no HWPoison page.
      expect(sys.bus.counters()).toMatchObject({ mce: 0, memoryFailure: 0, arsCompleted: 1 });
      // P-1 then P-3/P-4: a read fails fast; whole-page writes over pages 5-6 (sectors 40-55) clear and rewrite.
      expect(pmemRead(ns, 40, 4096)).toMatchObject({ ok: false, errno: 'EIO', cause: 'badblocks' });
      expect(pmemWrite(ns, 40, new Uint8Array(8192).fill(1))).toMatchObject({ ok: true });
      expect(ns.bb.show()).toBe('100 1\n4096 64\n126970 6\n');
      sys.detach();
    });
  }

  it('E-6: a map with more ranges than the table holds is seeded as at boot: 512 stored, the rest dropped and untracked', async () => {
    const sys = await createSystem({ namespaces: [{ name: 'pmem0', size: '8MiB', badblocks: 'table' }], maxThreads: 2 });
    const ns = sys.namespaces[0]!;
    const text = Array.from({ length: 600 }, (_, i) => `${2 * i} 1\n`).join('');
    seedErrorMap(sys, parseErrorMap(text, { file: 'e6.txt' }));
    expect(ns.bb.show()).toBe(Array.from({ length: 512 }, (_, i) => `${2 * i} 1\n`).join(''));
    expect(ns.populateStats().bb).toMatchObject({ lastRanges: 600, lastDropped: 88 });
    // The dropped ranges are still poisoned media (P-8: latent to the kernel).
    expect(pmemRead(ns, 1198, 512)).toMatchObject({ ok: false, errno: 'EIO', cause: 'mce' });
    sys.detach();
  });

  it('createSystem({ errorMap }) seeds at creation; ndctl names map to namespaces by blockdev', async () => {
    const map = parseErrorMap(JSON.stringify({ dev: 'namespace0.0', mode: 'raw', size: 8 * MIB, blockdev: 'pmem0', badblock_count: 8, badblocks: [{ offset: 42, length: 8 }] }));
    const sys = await createSystem({ namespaces: [{ size: '8MiB' }], errorMap: map, maxThreads: 2 });
    expect(sys.namespaces[0]!.bb.show()).toBe('42 8\n');
    expect(sys.namespaces[0]!.regionBb.show()).toBe('42 8\n'); // raw: the data starts at the region start
    sys.detach();
    await expect(createSystem({ namespaces: [{ size: '16MiB' }], errorMap: map, maxThreads: 2 })).rejects.toThrow(/the map says 8388608 data bytes, the namespace holds 16777216/);
  });

  it('refuses, changing nothing: unknown namespace, size or mode mismatch, a full firmware list, a rename of an unknown name', async () => {
    const sys = await createSystem({ namespaces: [{ name: 'pmem0', size: '8MiB' }, { name: 'pmem1', size: '8MiB', mode: 'fsdax' }], maxThreads: 2, errorListCapacity: 3 });
    const text = (name: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ dev: 'namespace0.0', mode: 'raw', size: 8 * MIB, blockdev: name, badblock_count: 9, badblocks: [{ offset: 42, length: 8 }, { offset: 100, length: 1 }], ...extra });
    expect(refused(sys, () => seedErrorMap(sys, parseErrorMap(text('pmem7'), { file: 'm.json' }))))
      .toBe('m.json: pmem7: no namespace "pmem7" in the system (it has pmem0, pmem1); map it to one (dev=, or SeedOptions.namespaces)');
    expect(refused(sys, () => seedErrorMap(sys, parseErrorMap(text('pmem0', { size: 4 * MIB }), { file: 'm.json' }))))
      .toMatch(/^m\.json: pmem0: the map says 4194304 data bytes, the namespace holds 8388608/);
    expect(refused(sys, () => seedErrorMap(sys, parseErrorMap(text('pmem0'), { file: 'm.json' }), { namespaces: { pmem0: 'pmem1' } })))
      .toMatch(/^m\.json: pmem0 \(seeded into pmem1\): the map says 8388608 data bytes, the namespace holds 6291456/);
    expect(refused(sys, () => seedErrorMap(sys, parseErrorMap(text('pmem1', { size: 6 * MIB }), { file: 'm.json' }))))
      .toMatch(/^m\.json: pmem1: the map is of a raw namespace, this one is fsdax; sectors count from the data start/);
    expect(refused(sys, () => seedErrorMap(sys, parseErrorMap(text('pmem0'), { file: 'm.json' }), { namespaces: { pmem9: 'pmem0' } })))
      .toMatch(/^m\.json: namespaces: the map has no namespace "pmem9"/);
    const four = parseErrorMap('0 1\n2 1\n4 1\n6 1\n', { file: 'b.txt', dev: 'pmem0' });
    expect(refused(sys, () => seedErrorMap(sys, four))).toMatch(/^b\.txt: the firmware error list has room for 3 more records, the map needs up to 4/);
    sys.detach();
  });
});
