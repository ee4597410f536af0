/**
 * dax_iomap_rw on an fs-dax file (reference §4.3 and its consequences table; §9.9 F-1..F-5,
 * F-8; D-11 for the profiles) and the recovery-read policies `page` and `line`.
 *
 * Set-up (§9.9): file page k -> device page 10 + k, 8 pages; for F-1..F-4 bb [(100,8,A)] made
 * the way the platform does it (inject-error with notify, §7.1: the first 256 bytes of each
 * sector poisoned), so device page 12 (sectors 96-103) and page 13 (104-111) are bad. The
 * file holds a known pattern written before the poison arrived.
 */
import { describe, it, expect } from 'vitest';
import { describeKinds, knownBad, pattern } from '../nvdimm/helpers.js';
import { daxPread, daxPwrite } from '../../src/dax/iomap.js';
import { devicePage, fileAt10, type FileSetup } from './helpers.js';
import type { KernelVersion } from '../../src/kernel/profiles.js';
import type { NamespaceOptions } from '../../src/nvdimm/config.js';
import type { MkfsOptions } from '../../src/dax/fs.js';

const KIB32 = 32 * 1024;

/** §9.9 with bb [(100,8,A)] over a file holding pattern seed 1. */
async function badPage12(kind: Parameters<typeof fileAt10>[0], ns: Partial<NamespaceOptions> = {}, fs: MkfsOptions = {}): Promise<FileSetup & { data: Uint8Array }> {
  const s = await fileAt10(kind, ns, fs);
  const data = pattern(KIB32, 1);
  expect(daxPwrite(s.file, 0, data)).toEqual({ ok: true, bytes: KIB32 });
  knownBad(s.ns, 100, 8);
  expect(s.ns.bb.entries()).toEqual([[100, 8, true]]);
  return { ...s, data };
}

/** F-5's state: bb empty, latent poison in the 64-byte line at file offset 4992 (device page 11, byte 896). */
async function latentAt4992(kind: Parameters<typeof fileAt10>[0], fs: MkfsOptions = {}): Promise<FileSetup & { data: Uint8Array }> {
  const s = await fileAt10(kind, {}, fs);
  const data = pattern(KIB32, 5);
  expect(daxPwrite(s.file, 0, data)).toEqual({ ok: true, bytes: KIB32 });
  s.sys.media.poison(s.ns.dataStart + 11 * 4096 + 896, 64);
  return { ...s, data };
}

describeKinds('dax_iomap_rw (F-1..F-5, F-8)', (kind) => {
  it('F-1 pread(32 KiB @ 0) (pages 10-17, bad page 12) -> EIO, 0 bytes: the first chunk spans all 8 pages and fails as a whole', async () => {
    const { file } = await badPage12(kind);
    const r = daxPread(file, 0, KIB32);
    expect(r).toMatchObject({ ok: false, errno: 'EIO' });
    expect(r.data.length).toBe(0);
  });

  it('F-2 pwrite(32 KiB @ 0) -> 3 recovery pages (10-12), 1 (13), 4 normally; returns 32768, bb empty', async () => {
    const s = await badPage12(kind);
    const data = pattern(KIB32, 2);
    expect(daxPwrite(s.file, 0, data)).toEqual({ ok: true, bytes: KIB32 });
    expect(s.ns.bb.entries()).toEqual([]);
    // Two recovery writes: 3 pages cleared in one pmem_recovery_write, then 1.
    expect(s.sys.bus.counters()).toMatchObject({ clearCalls: 2, clearedBytes: 4 * 4096 });
    expect(devicePage(s, 10, 8)).toEqual(data);
    expect(s.sys.media.isPoisoned(s.ns.dataStart + 10 * 4096, KIB32)).toBe(false);
    expect(daxPread(s.file, 0, KIB32)).toMatchObject({ ok: true, bytes: KIB32, data });
  });

  it('F-2 first chunk alone: pwrite(12 KiB @ 0) recovers pages 10-12 -> bb [(104,4)]', async () => {
    const s = await badPage12(kind);
    expect(daxPwrite(s.file, 0, pattern(12288, 3))).toEqual({ ok: true, bytes: 12288 });
    expect(s.ns.bb.entries()).toEqual([[104, 4, true]]);
  });

  it('F-3 pwrite(100 B @ 2*4096+10) (inside bad page 12) -> recovery_write returns 0 -> EFAULT, nothing written, bb unchanged', async () => {
    const s = await badPage12(kind);
    const before = devicePage(s, 12);
    expect(daxPwrite(s.file, 2 * 4096 + 10, pattern(100, 4))).toEqual({ ok: false, errno: 'EFAULT' });
    expect(devicePage(s, 12)).toEqual(before);
    expect(s.ns.bb.entries()).toEqual([[100, 8, true]]);
    expect(s.sys.bus.counters().clearCalls).toBe(0);
  });

  it('F-4 pwrite(8 KiB @ 0) (pages 10-11, clean) with bb [(100,8)] -> normal write, 8192', async () => {
    const s = await badPage12(kind);
    const data = pattern(8192, 6);
    expect(daxPwrite(s.file, 0, data)).toEqual({ ok: true, bytes: 8192 });
    expect(devicePage(s, 10, 2)).toEqual(data);
    expect(s.ns.bb.entries()).toEqual([[100, 8, true]]);
    expect(s.sys.bus.counters().clearCalls).toBe(0);
  });

  it('F-5 latent poison at file 4992-5055: pread(8 KiB @ 0) -> short read of 4992; the MCE records the line; a repeat -> EIO', async () => {
    const s = await latentAt4992(kind);
    const r = daxPread(s.file, 0, 8192);
    expect(r).toMatchObject({ ok: true, bytes: 4992 });
    expect(r.ok && r.data).toEqual(s.data.subarray(0, 4992));
    // mce-lsb 6: the 64-byte line at device byte 11*4096+896 -> sector 89 (§2.3, N-2).
    expect(s.ns.bb.entries()).toEqual([[89, 1, true]]);
    expect(daxPread(s.file, 0, 8192)).toMatchObject({ ok: false, errno: 'EIO' });
    expect(daxPread(s.file, 4992, 4096)).toMatchObject({ ok: false, errno: 'EIO' });
  });

  it('F-5 fresh state: pread(4096 @ 4992) (first byte poisoned) -> EFAULT; a repeat -> EIO', async () => {
    const s = await latentAt4992(kind);
    expect(daxPread(s.file, 4992, 4096)).toMatchObject({ ok: false, errno: 'EFAULT' });
    expect(s.sys.bus.counters().mce).toBe(1);
    expect(daxPread(s.file, 4992, 4096)).toMatchObject({ ok: false, errno: 'EIO' });
    expect(daxPread(s.file, 0, 8192)).toMatchObject({ ok: false, errno: 'EIO' });
  });

  it('F-8 a namespace without recovery_write: F-2 becomes EFAULT, nothing written, bb unchanged', async () => {
    const s = await badPage12(kind, { noRecovery: true });
    expect(daxPwrite(s.file, 0, pattern(KIB32, 7))).toEqual({ ok: false, errno: 'EFAULT' });
    expect(devicePage(s, 10, 8)).toEqual(s.data);
    expect(s.ns.bb.entries()).toEqual([[100, 8, true]]);
  });

  it('F-8 ... or a short count when clean pages came first in an earlier extent', async () => {
    // File pages 0-1 moved to device pages 0-1 (punch + reallocation elsewhere), pages 2-7 still at 12-17.
    const s = await fileAt10(kind, { noRecovery: true }, { allocator: 'other' });
    expect(s.file.punchHole(0, 8192)).toEqual({ ok: true });
    expect(daxPwrite(s.file, 0, pattern(8192, 8))).toEqual({ ok: true, bytes: 8192 });
    expect(s.file.extents()).toEqual([{ offset: 0, length: 8192, pgoff: 0 }, { offset: 8192, length: 6 * 4096, pgoff: 12 }]);
    knownBad(s.ns, 100, 8);
    expect(daxPwrite(s.file, 0, pattern(KIB32, 9))).toEqual({ ok: true, bytes: 8192 });
    expect(s.ns.bb.entries()).toEqual([[100, 8, true]]);
  });

  it('a read stops at i_size; past it returns 0', async () => {
    const { file } = await fileAt10(kind, {}, {}, 2);
    expect(daxPread(file, 4096, 16384)).toMatchObject({ ok: true, bytes: 4096 });
    expect(daxPread(file, 8192, 10)).toMatchObject({ ok: true, bytes: 0 });
  });
});

describeKinds('kernel profiles (§4.3, D-11)', (kind) => {
  const cases: readonly { kernel: KernelVersion; f1: string; f2: object; f3: object }[] = [
    // Before 5.19: EIO, no recovery at all.
    { kernel: '5.18', f1: 'EIO', f2: { ok: false, errno: 'EIO' }, f3: { ok: false, errno: 'EIO' } },
    // 5.19-6.4: the same flow as 6.5+, keyed on EIO.
    { kernel: '5.19', f1: 'EIO', f2: { ok: true, bytes: KIB32 }, f3: { ok: false, errno: 'EFAULT' } },
    { kernel: '6.5', f1: 'EIO', f2: { ok: true, bytes: KIB32 }, f3: { ok: false, errno: 'EFAULT' } },
  ];
  for (const c of cases) {
    it(`kernel ${c.kernel}: F-1 -> ${c.f1}; F-3 -> ${JSON.stringify(c.f3)}; F-2 -> ${JSON.stringify(c.f2)}`, async () => {
      const s = await badPage12(kind, { kernel: c.kernel });
      expect(daxPread(s.file, 0, KIB32)).toMatchObject({ ok: false, errno: c.f1 });
      expect(daxPwrite(s.file, 2 * 4096 + 10, pattern(100, 4))).toEqual(c.f3);
      expect(daxPwrite(s.file, 0, pattern(KIB32, 2))).toEqual(c.f2);
      expect(s.ns.bb.entries()).toEqual('ok' in c.f2 && c.f2.ok ? [] : [[100, 8, true]]);
    });
  }
});

describeKinds('recovery-read policies', (kind) => {
  it('page: F-1 delivers the 2 whole pages (10, 11) before the page holding the first bad sector, then stops', async () => {
    const s = await badPage12(kind);
    const r = daxPread(s.file, 0, KIB32, { policy: 'page' });
    expect(r).toMatchObject({ ok: true, bytes: 8192, skipped: [] });
    expect(r.data).toEqual(s.data.subarray(0, 8192));
  });

  it('page: from inside page 11 the good part is the rest of page 11; a read that starts in the bad page -> EIO', async () => {
    const s = await badPage12(kind);
    const r = daxPread(s.file, 5000, 8000, { policy: 'page' });
    expect(r).toMatchObject({ ok: true, bytes: 8192 - 5000 });
    expect(r.data).toEqual(s.data.subarray(5000, 8192));
    expect(daxPread(s.file, 8192, 4096, { policy: 'page' })).toMatchObject({ ok: false, errno: 'EIO' });
  });

  it('page: latent poison behaves as the kernel (F-5: 4992 bytes)', async () => {
    const s = await latentAt4992(kind);
    expect(daxPread(s.file, 0, 8192, { policy: 'page' })).toMatchObject({ ok: true, bytes: 4992 });
  });

  it('line: F-1 returns all 32768 bytes; exactly the injected 256 bytes of each bad sector are skipped (§7.1)', async () => {
    const s = await badPage12(kind);
    const r = daxPread(s.file, 0, KIB32, { policy: 'line' });
    const skipped = Array.from({ length: 8 }, (_, i) => ({ offset: (100 + i - 80) * 512, length: 256 }));
    expect(r).toMatchObject({ ok: true, bytes: KIB32, skipped });
    const expected = s.data.slice();
    for (const k of skipped) expected.fill(0, k.offset, k.offset + k.length);
    expect(r.data).toEqual(expected);
  });

  it('line: one latent poisoned line in the chunk -> every other byte delivered, [4992, 5056) skipped', async () => {
    const s = await latentAt4992(kind);
    const r = daxPread(s.file, 0, 8192, { policy: 'line' });
    expect(r).toMatchObject({ ok: true, bytes: 8192, skipped: [{ offset: 4992, length: 64 }] });
    const expected = s.data.slice(0, 8192);
    expected.fill(0, 4992, 5056);
    expect(r.data).toEqual(expected);
    // Now known (bb, badrange) and the page is out of the direct map: the line is skipped untouched, the rest still read.
    expect(daxPread(s.file, 0, 8192, { policy: 'line' })).toMatchObject({ ok: true, bytes: 8192, skipped: [{ offset: 4992, length: 64 }], data: expected });
    expect(s.sys.bus.counters().mce).toBe(1);
  });

  it('the policy comes from the call, else the file, else the filesystem', async () => {
    const s = await badPage12(kind, {}, { readPolicy: 'page' });
    expect(daxPread(s.file, 0, KIB32)).toMatchObject({ ok: true, bytes: 8192 });
    s.file.readPolicy = 'line';
    expect(daxPread(s.file, 0, KIB32)).toMatchObject({ ok: true, bytes: KIB32 });
    expect(daxPread(s.file, 0, KIB32, { policy: 'off' })).toMatchObject({ ok: false, errno: 'EIO' });
    s.file.readPolicy = 'inherit';
    s.fs.readPolicy = 'off';
    expect(daxPread(s.file, 0, KIB32)).toMatchObject({ ok: false, errno: 'EIO' });
  });
});

describe('bad input', () => {
  it('offset, bytes, data, policy and out are checked before anything happens', async () => {
    const { file } = await fileAt10('table');
    expect(() => daxPread(file, -1, 1)).toThrow(/offset/);
    expect(() => daxPread(file, 0, 1.5)).toThrow(/bytes/);
    expect(() => daxPread(file, 0, 10, { policy: 'all' as 'line' })).toThrow(/policy/);
    expect(() => daxPread(file, 0, 10, { out: new Uint8Array(4) })).toThrow(/out/);
    expect(() => daxPwrite(file, 0, [1, 2] as unknown as Uint8Array)).toThrow(/data/);
    expect(() => daxPwrite(file, KIB32 - 1, new Uint8Array(2))).toThrow(/files do not grow/);
    expect(() => { file.readPolicy = 'everything' as 'line'; }).toThrow(/readPolicy/);
  });
});
